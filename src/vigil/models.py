"""Imports every ORM model so ``Base.metadata`` is complete (for Alembic and the app)."""

from vigil.accounts import models as accounts  # noqa: F401
from vigil.alerts import models as alerts  # noqa: F401
from vigil.alerts import response_models as alert_responses  # noqa: F401
from vigil.casework import emergency as casework_emergency  # noqa: F401
from vigil.casework import models as casework  # noqa: F401
from vigil.casework import risk_models as casework_risk  # noqa: F401
from vigil.checkins import models as checkins  # noqa: F401
from vigil.companies import models as companies  # noqa: F401
from vigil.companies import resolution_models as company_resolution  # noqa: F401
from vigil.contacts import models as contacts  # noqa: F401
from vigil.core import audit, crypto, jobs, throttle  # noqa: F401
from vigil.core.db import Base
from vigil.defenders import consent as defender_consent  # noqa: F401
from vigil.defenders import models as defenders  # noqa: F401
from vigil.defenders import name_tokens as defender_name_tokens  # noqa: F401
from vigil.diligence.collective import models as diligence_collective  # noqa: F401
from vigil.diligence.countries import models as diligence_countries  # noqa: F401
from vigil.diligence.grievance import models as diligence_grievance  # noqa: F401
from vigil.diligence.policies import models as diligence_policies  # noqa: F401
from vigil.diligence.slapp import models as diligence_slapp  # noqa: F401
from vigil.imports import models as imports  # noqa: F401
from vigil.imports.linking import models as import_linking  # noqa: F401
from vigil.imports.uploads import models as import_uploads  # noqa: F401
from vigil.inbox import models as inbox  # noqa: F401
from vigil.incidents import models as incidents  # noqa: F401
from vigil.intake import models as intake  # noqa: F401
from vigil.links import models as links  # noqa: F401
from vigil.organisations import models as organisations  # noqa: F401
from vigil.outbox import models as outbox  # noqa: F401
from vigil.outbox import staff_email_models as staff_email  # noqa: F401
from vigil.outbox import staff_page_models as staff_pages  # noqa: F401
from vigil.playbooks import models as playbooks  # noqa: F401
from vigil.public import models as public  # noqa: F401
from vigil.public import register_models as public_register  # noqa: F401
from vigil.responses import models as responses  # noqa: F401
from vigil.statements import models as statements  # noqa: F401
from vigil.urgent_actions import models as urgent_actions  # noqa: F401
from vigil.vocabularies import models as vocabularies  # noqa: F401

metadata = Base.metadata
