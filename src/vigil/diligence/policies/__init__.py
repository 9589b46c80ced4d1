"""The company HRD-policy rubric: an organisation's evidence-based assessment of a company's
published human-rights-defender policy, criterion by criterion (0, 1 or 2, each score above
0 backed by a quoted excerpt and its URL). Every assessment is kept; the latest published one
of a company is its *current* assessment, the only one the public pages show.

- :mod:`.criteria`: the criteria (stable codes, labels, what 0 / 1 / 2 mean);
- :mod:`.models`: assessments and their per-criterion scores;
- :mod:`.scoring`: points over the maximum the applicable criteria allow;
- :mod:`.service`: drafting, validating, publishing, history and tenancy;
- :mod:`.comparison`: the published assessments of a sector side by side, and their CSV.
"""
