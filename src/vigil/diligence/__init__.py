"""Prevent: due diligence before market entry. Country risk profiles, the company HRD-policy
rubric, SLAPP screening, the collective-action directory, grievance mechanisms and the
pre-market-entry report. Route-free; every figure carries its source and year. Anything public
about incidents is read through the de-identified register (``vigil.public``)."""
