from kit.migration_env import run_migrations
from services.territories.contracts import models as contracts
from services.territories.indicators import models as indicators
from services.territories.persistence import Base
from services.territories.qpvs import models as qpvs
from services.territories.reference import models as reference
from services.territories.renewal_projects import models as renewal_projects
from services.territories.vulnerability import models as vulnerability

# Each feature's models register its tables on Base.metadata (the ledger's and the jobs' are in persistence).
FEATURE_MODELS = (reference, qpvs, contracts, indicators, vulnerability, renewal_projects)

run_migrations("territories", Base.metadata, "territories")
