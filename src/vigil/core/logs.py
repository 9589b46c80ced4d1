"""Logging set-up for the server and the CLI.

No handler here ever formats a client address: the access log is written by Vigil's own
middleware (method, path, status, duration) and uvicorn's access logger is switched off.
"""

from __future__ import annotations

import logging.config

from vigil.core.config import Settings


def configure_logging(settings: Settings) -> None:
    level = settings.log_level.upper()
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
            "handlers": {
                "stderr": {"class": "logging.StreamHandler", "formatter": "plain"},
            },
            "loggers": {
                "vigil": {"handlers": ["stderr"], "level": level, "propagate": False},
                "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
                "uvicorn.error": {"level": level},
                "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            },
        }
    )
