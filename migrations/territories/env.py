from kit.migration_env import run_migrations
from services.territories.db import models  # noqa: F401 - registers the tables on Base.metadata
from services.territories.persistence import Base

run_migrations("territories", Base.metadata, "territories")
