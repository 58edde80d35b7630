from kit.migration_env import run_migrations
from services.grants.db import models  # noqa: F401 - registers the tables on Base.metadata
from services.grants.persistence import Base

run_migrations("grants", Base.metadata, "grants")
