"""The territories app: create_app(settings) -> FastAPI, assembled from its features' routers and jobs."""

from __future__ import annotations

from fastapi import FastAPI

from kit.clock import Clock
from kit.database import UNIQUE_PROBLEMS_STATE_KEY
from kit.jobs import JobDefinitions
from kit.service_app import create_service_app
from services.territories.contracts import routes as contracts
from services.territories.events import routes as events
from services.territories.indicators import routes as indicators
from services.territories.localisation import routes as localisation
from services.territories.localisation.use_cases import QpvIndexes
from services.territories.persistence import jobs, ledger
from services.territories.problems import UNIQUE_PROBLEMS, install_domain_problems
from services.territories.qpvs import routes as qpvs
from services.territories.reference import routes as reference
from services.territories.renewal_projects import routes as renewal_projects
from services.territories.settings import SCHEMA, TerritoriesSettings
from services.territories.vulnerability import routes as vulnerability
from services.territories.vulnerability.use_cases import fields_dictionary


def create_app(settings: TerritoriesSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """The app; `clock` is what its use cases take the time from (the system's unless told otherwise)."""
    qpv_indexes = QpvIndexes()
    app = create_service_app(
        clock=clock,
        service="territories",
        schema=SCHEMA,
        title="Cœur de Quartier — territories",
        description="EPCI, communes, priority neighbourhoods (QPV) by generation, the registry of contracts.",
        version="0.1.0",
        ledger=ledger,
        settings=settings or TerritoriesSettings(),  # read from the environment
        routers=[
            reference.public,
            events.router,
            qpvs.public,
            localisation.public,
            contracts.public,
            localisation.protected,
            contracts.protected,
            indicators.public,
            indicators.protected,
            vulnerability.public,
            vulnerability.protected,
            renewal_projects.public,
            renewal_projects.protected,
        ],
        install_domain_problems=install_domain_problems,
        state={
            UNIQUE_PROBLEMS_STATE_KEY: UNIQUE_PROBLEMS,
            "qpv_indexes": qpv_indexes,
            "filosofi_fields": fields_dictionary(),
        },
        jobs=JobDefinitions(
            jobs,
            {
                "import_indicator_values": indicators.run_indicator_import,
                "import_filosofi_squares": vulnerability.run_squares_import,
                "compute_vulnerability": vulnerability.run_computation,
            },
        ),
        larger_body_limits={
            "/localisation/batch": localisation.MAX_BATCH_BYTES,
            "/filosofi-squares/imports": vulnerability.MAX_IMPORT_BYTES,
            "/indicator-values/imports": indicators.MAX_IMPORT_BYTES,
        },
    )
    # A lookup after a change of perimeters finds them, whichever process wrote them (QpvIndexes).
    qpv_indexes.hear(app.state.response_cache)
    return app
