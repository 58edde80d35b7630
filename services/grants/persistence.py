from sqlalchemy.orm import DeclarativeBase

from kit.database import service_metadata
from kit.jobs import jobs_table
from kit.ledger import Ledger
from services.grants.settings import SCHEMA


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)


ledger = Ledger.on(Base.metadata)
jobs = jobs_table(Base.metadata)
