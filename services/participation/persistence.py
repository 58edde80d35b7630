from sqlalchemy.orm import DeclarativeBase

from kit.database import service_metadata
from kit.ledger import Ledger
from services.participation.settings import SCHEMA


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)


ledger = Ledger.on(Base.metadata)
