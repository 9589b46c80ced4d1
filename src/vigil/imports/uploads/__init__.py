"""Files uploaded on the staff surface for the incident importer: stored under the data
directory, checked by a dry run, queued as a durable job that the worker imports batch by
batch, and organisations' saved mappings."""
