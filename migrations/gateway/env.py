from gateway import rate_limits  # noqa: F401 - registers its table on Base.metadata
from gateway.db import models  # noqa: F401 - registers the tables on Base.metadata
from gateway.db.base import Base
from gateway.webhooks import models as webhook_models  # noqa: F401 - registers the tables on Base.metadata
from kit.migration_env import run_migrations

# procrastinate's tables (the job engine's own SQL, gateway/webhooks/jobs.py) are no model's.
run_migrations("gateway", Base.metadata, "gateway", foreign_prefix="procrastinate_")
