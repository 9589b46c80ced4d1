"""Forgetting a person everywhere (``vigil people forget``); see :mod:`vigil.forgetting.service`."""
