# Each feature's models declare its tables on Base.metadata.
import services.grants.applications.models
import services.grants.calls.models
import services.grants.conventions.models
import services.grants.evaluation.models
import services.grants.exchange.models
import services.grants.framework.models
import services.grants.institutions.models
import services.grants.instruction.models
import services.grants.operators.models
import services.grants.payments.models
import services.grants.programmation.models
import services.grants.reports.models  # noqa: F401
from kit.migration_env import run_migrations
from services.grants.persistence import Base

run_migrations("grants", Base.metadata, "grants")
