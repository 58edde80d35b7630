"""The grants app: create_app(settings) -> FastAPI."""

from __future__ import annotations

from fastapi import FastAPI

from identity.communes import commune_lookup
from identity.contracts import ContractRegistry
from kit.clock import Clock
from kit.database import UNIQUE_PROBLEMS_STATE_KEY
from kit.http_client import CallPolicy, service_client
from kit.jobs import JobDefinitions
from kit.service_app import create_service_app
from services.grants.applications import routes as applications
from services.grants.calls import routes as calls
from services.grants.clients.territories import OfficialZones, PointClassifier
from services.grants.contract_indicators import routes as contract_indicators
from services.grants.conventions import routes as conventions
from services.grants.engagements.routes import sheets as engagement_sheets
from services.grants.engagements.routes import views as engagement_views
from services.grants.evaluation import routes as evaluation
from services.grants.events import routes as events
from services.grants.exchange import routes as exchange
from services.grants.framework import routes as framework
from services.grants.institutions import routes as institutions
from services.grants.instruction import routes as instruction
from services.grants.operators import routes as operators
from services.grants.payments import routes as payments
from services.grants.persistence import jobs, ledger
from services.grants.problems import UNIQUE_PROBLEMS, install_domain_problems
from services.grants.programmation.routes import kept_check as programmation_kept_check
from services.grants.programmation.routes import scenarios as programmation
from services.grants.programmation.routes import views as programmation_views
from services.grants.programmes import routes as programmes
from services.grants.reports import routes as reports
from services.grants.settings import SCHEMA, GrantsSettings


def create_app(settings: GrantsSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """The app; `clock` is what its use cases take the time from (the system's unless told otherwise)."""
    chosen = settings or GrantsSettings()  # read from the environment
    registry = ContractRegistry(service_client("territories", chosen.territories_url))
    communes = commune_lookup(service_client("territories", chosen.territories_url))
    # A list of up to 200,000 points takes seconds to classify: its own client, with room for that.
    classifier = PointClassifier(
        service_client("territories", chosen.territories_url, CallPolicy(read_timeout=60, deadline=60, retries=0))
    )
    zones = OfficialZones(service_client("territories", chosen.territories_url))
    return create_service_app(
        clock=clock,
        service="grants",
        schema=SCHEMA,
        title="Cœur de Quartier — grants",
        description="Calls for projects, applications, instruction, agreements, payments and reports.",
        version="0.1.0",
        ledger=ledger,
        settings=chosen,
        routers=[
            calls.router,
            events.router,
            framework.router,
            institutions.router,
            operators.router,
            applications.router,
            instruction.notes_router,
            programmation.router,
            programmation_views.router,
            programmation_kept_check.router,
            instruction.router,
            conventions.router,
            payments.router,
            reports.router,
            exchange.router,
            exchange.open_data_router,
            programmation_views.public_router,
            evaluation.router,
            engagement_sheets.router,
            engagement_sheets.public_router,
            engagement_views.router,
            contract_indicators.router,
            programmes.public_router,
            programmes.router,
        ],
        install_domain_problems=install_domain_problems,
        larger_body_limits={
            "/decision-imports": 16 * 1_048_576,
            "/request-imports": 16 * 1_048_576,
            "/applications/*/activity-report/located-beneficiaries": 16 * 1_048_576,
        },
        state={
            UNIQUE_PROBLEMS_STATE_KEY: UNIQUE_PROBLEMS,
            "contract_registry": registry,
            "communes": communes,
            "point_classifier": classifier,
            "official_zones": zones,
        },
        closers=[registry.aclose, communes.aclose, classifier.aclose, zones.aclose],
        jobs=JobDefinitions(
            jobs, {"import_decisions": exchange.run_decision_import, "import_requests": exchange.run_request_import}
        ),
    )
