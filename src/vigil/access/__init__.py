"""Who may see or change what, decided in one place.

Three questions, three modules:

- :mod:`vigil.access.roles`: what a role may do (write, read the audit log, edit playbooks),
  asked of an :class:`Actor` — the signed-in person reduced to user, organisation and role.
- :mod:`vigil.access.tenancy`: whether an object belongs to the actor's organisation. Another
  organisation's object is reported as *missing*, never as forbidden, so ids cannot be probed.
- :mod:`vigil.access.reads`: every read of a case leaves one audit entry per request, the same
  way on every page and API that shows a case.

The package sits below every domain (just above ``core``) and knows none of their models, so
that every domain, ``accounts`` and ``defenders`` included, can ask it: the domains pass their
rows in, and the one loader that knows a case, ``incidents.service.case_for_reading``, calls
:func:`load_in_org` and :func:`record_case_read` from here. It also defines the roles
(``accounts.models.Role`` is this ``Role``), since they mean nothing but what they allow.
"""

from vigil.access.reads import CaseView, record_case_read
from vigil.access.roles import (
    RESPONDER_ROLES,
    Actor,
    Kind,
    Role,
    may_change,
    may_edit_playbooks,
    may_read_audit,
    may_see,
    may_write,
)
from vigil.access.tenancy import check_same_org, in_org, load_in_org

__all__ = [
    "RESPONDER_ROLES",
    "Actor",
    "CaseView",
    "Kind",
    "Role",
    "check_same_org",
    "in_org",
    "load_in_org",
    "may_change",
    "may_edit_playbooks",
    "may_read_audit",
    "may_see",
    "may_write",
    "record_case_read",
]
