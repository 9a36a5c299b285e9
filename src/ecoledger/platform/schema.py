"""Every table of the platform: the core models and those of the modules built on it.

Alembic's environment and the migration test import this, so one ``Base.metadata`` holds all.
Each module keeps its own migration branch (``migrations/versions``, ``branch_labels``).
"""

import ecoledger.applications.store
import ecoledger.carbon.store
import ecoledger.controls.store
import ecoledger.monitoring.store
import ecoledger.registry.store  # noqa: F401
from ecoledger.platform.models import Base

metadata = Base.metadata
