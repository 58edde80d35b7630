from sqlalchemy.orm import DeclarativeBase

from kit.audit import audit_events_table
from kit.database import service_metadata
from kit.idempotency import idempotency_keys_table
from services.grants.settings import SCHEMA


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)


audit_events = audit_events_table(Base.metadata)
idempotency_keys = idempotency_keys_table(Base.metadata)
