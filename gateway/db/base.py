from sqlalchemy.orm import DeclarativeBase

from gateway.settings import SCHEMA
from kit.audit import audit_events_table
from kit.database import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)


audit_events = audit_events_table(Base.metadata)
