"""Bringing existing records in: one import-run model (provenance, dry run, line-numbered
problems, checkpoint, rollback) shared by every importer, and the incident importer with its
mapping files. Route-free: the CLI is ``imports.cli`` and the upload page lives on the staff
surface."""
