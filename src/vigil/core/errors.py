"""Errors raised by service functions; surfaces translate them into 404/403/409/422."""


class VigilError(Exception):
    """Base class: the message is safe to show to the user who caused it."""


class NotFound(VigilError):
    """The object does not exist *or belongs to another organisation* (never reveal which)."""


class Forbidden(VigilError):
    """The user is known but their role does not allow this action."""


class Conflict(VigilError):
    """The action clashes with the current state (duplicate, wrong status…)."""


class Invalid(VigilError):
    """The input breaks a rule; the message says which."""
