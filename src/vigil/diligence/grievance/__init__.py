"""Grievance mechanisms (company, multi-stakeholder initiative, national human rights
institution and sports-body mechanisms): how to use them, in which languages and through
which channels, what came of the complaints they received, and how they measure up to the
eight effectiveness criteria of UN Guiding Principle 31, each rating with its evidence.
Reference data of the organisation that records it; published ones have public pages."""
