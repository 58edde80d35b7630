from gateway import rate_limits  # noqa: F401 - registers its table on Base.metadata
from gateway.db import models  # noqa: F401 - registers the tables on Base.metadata
from gateway.db.base import Base
from kit.migration_env import run_migrations

run_migrations("gateway", Base.metadata, "gateway")
