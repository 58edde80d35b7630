from kit.migration_env import run_migrations
from services.participation.db import models  # noqa: F401 - registers the tables on Base.metadata
from services.participation.persistence import Base

run_migrations("participation", Base.metadata, "participation")
