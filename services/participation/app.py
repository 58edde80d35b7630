"""The participation app: create_app(settings) -> FastAPI."""

from __future__ import annotations

from fastapi import FastAPI

from identity.communes import commune_lookup
from identity.contracts import ContractRegistry
from kit.clock import Clock
from kit.http_client import service_client
from kit.service_app import create_service_app
from services.participation.bodies.routes import router
from services.participation.citizen_funds import routes as citizen_funds
from services.participation.consultations import routes as consultations
from services.participation.draws import routes as draws
from services.participation.elections import routes as elections
from services.participation.evaluation import routes as evaluation
from services.participation.events import routes as events
from services.participation.meetings import routes as meetings
from services.participation.members import routes as members
from services.participation.opinions import routes as opinions
from services.participation.persistence import ledger
from services.participation.problems import install_domain_problems
from services.participation.retention import routes as retention
from services.participation.settings import SCHEMA, ParticipationSettings


def create_app(settings: ParticipationSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """The app; `clock` is what its use cases take the time from (the system's unless told otherwise)."""
    configured = settings or ParticipationSettings()  # read from the environment
    contracts = ContractRegistry(service_client("territories", configured.territories_url))
    communes = commune_lookup(service_client("territories", configured.territories_url))
    return create_service_app(
        clock=clock,
        service="participation",
        schema=SCHEMA,
        title="Cœur de Quartier — participation",
        description="Citizen bodies and governance committees, members, meetings, opinions, consultations.",
        version="0.1.0",
        ledger=ledger,
        settings=configured,
        routers=[
            router,
            events.router,
            draws.public,
            draws.protected,
            members.appointments,
            members.router,
            meetings.router,
            opinions.router,
            opinions.public,
            evaluation.router,
            consultations.router,
            citizen_funds.router,
            elections.router,
            retention.router,
        ],
        install_domain_problems=install_domain_problems,
        state={"contract_registry": contracts, "communes": communes},
        larger_body_limits={"/bodies/*/draws": 16 * 1_048_576},  # a pool of 50,000 people
        closers=[contracts.aclose, communes.aclose],
    )
