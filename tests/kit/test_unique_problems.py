"""A unique constraint's violation answers the problem its app names for it (kit.database.UniqueProblem)."""

from __future__ import annotations

import asyncpg
import httpx
from fastapi import FastAPI

from kit.database import UNIQUE_PROBLEMS_STATE_KEY, UniqueProblem, install_database_problem_handlers
from tests.running_stack import RunningStack


def _violation(constraint: str) -> asyncpg.UniqueViolationError:
    error = asyncpg.UniqueViolationError("duplicate key value violates unique constraint")
    error.constraint_name = constraint  # as asyncpg sets it from the server's message
    error.sqlstate = "23505"
    return error


async def test_a_named_constraint_answers_its_problem_and_any_other_a_conflict() -> None:
    app = FastAPI()
    install_database_problem_handlers(app)
    setattr(
        app.state,
        UNIQUE_PROBLEMS_STATE_KEY,
        {"uq_calls_year": UniqueProblem("call-exists", "Call already open", "A call exists for this year.")},
    )

    @app.post("/calls")
    async def twin() -> None:
        raise _violation("uq_calls_year")

    @app.post("/other")
    async def other() -> None:
        raise _violation("uq_something_else")

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        known = await client.post("/calls")
        assert (known.status_code, known.json()["type"], known.json()["title"]) == (
            409,
            "/problems/call-exists",
            "Call already open",
        )
        unknown = await client.post("/other")
        assert (unknown.status_code, unknown.json()["type"]) == (409, "/problems/conflict")


async def test_every_named_constraint_exists_in_its_services_schema(stack: RunningStack) -> None:
    from services.grants.problems import UNIQUE_PROBLEMS as GRANTS
    from services.territories.problems import UNIQUE_PROBLEMS as TERRITORIES

    for service, problems in (("grants", GRANTS), ("territories", TERRITORIES)):
        async with stack.runtime_connection(service) as connection:
            found = await connection.fetch(
                "SELECT conname FROM pg_constraint JOIN pg_namespace ON pg_namespace.oid = connamespace"
                " WHERE nspname = $1 AND conname = ANY($2::text[])",
                service,
                list(problems),
            )
        assert sorted(row["conname"] for row in found) == sorted(problems), service
