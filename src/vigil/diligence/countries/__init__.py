"""Country risk profiles: rule-of-law and governance scores, the civic-space rating and the
legal-framework flags of a country, each with its source, year and licence, beside the
incident counts of Vigil's own public register. Global reference data, not per organisation:
only administrators change it (CLI import or the staff page)."""
