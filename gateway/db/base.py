from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from gateway.settings import SCHEMA
from kit.audit import audit_events_table
from kit.database import service_metadata
from kit.idempotency import idempotency_keys_table
from kit.ledger import Ledger
from kit.outbox import EventCatalogue, outbox_events_table


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)


audit_events = audit_events_table(Base.metadata)
# The write pipeline keeps the gateway's POST answers under their Idempotency-Key like the services'. The
# gateway publishes no event of its own: its outbox table is declared on a metadata no migration creates,
# and nothing is ever noted for it.
ledger = Ledger(
    audit_events,
    idempotency_keys_table(Base.metadata),
    outbox_events_table(MetaData()),
    EventCatalogue(events={}, silent={}, subjects={}),
)
