"""The collective-action directory: initiatives (multi-stakeholder initiatives, business
networks, worker-driven programmes) with their scope, members, contact route and past
interventions, and the suitability guide an analyst fills in for a case before turning to
one of them. Reference data belongs to the organisation that records it; only what it marks
as published is read outside it (the market-entry report, public pages)."""
