"""Urgent actions: public calls to write to decision-makers about a case whose every victim
chose public action, built only from the case's de-identified row in the public register."""
