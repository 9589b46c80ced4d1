"""Backups: ``vigil backup PATH`` writes one encrypted archive of the database (which holds the
sealed attachments too) while the server runs; ``vigil restore PATH`` puts it back into an empty
installation. The key-encryption keys are never in an archive: back them up separately."""
