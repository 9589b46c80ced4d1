"""The pre-market-entry due-diligence report for a country and a sector (optionally a project
and partner companies): what a company should know before it invests, assembled from the
country profile, the public register, the registry, the HRD-policy rubric, SLAPP cases,
grievance mechanisms and collective-action initiatives. Every figure carries a footnote with
its source and year. HTML and PDF (WeasyPrint), in every interface language."""
