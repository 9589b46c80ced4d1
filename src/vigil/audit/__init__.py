"""The audit log as coordinators and auditors see it: browse and filter their organisation's
entries, and verify the whole chain from the command line (the chain itself is in core)."""
