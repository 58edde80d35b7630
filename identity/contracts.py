"""Contracts are the platform's tenants; their registry lives in territories and is read over HTTP.

Answers are cached, and a stale answer is used while territories is briefly unreachable, so that the
other services keep working.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from fastapi import FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, true
from starlette.responses import Response

from kit.http_client import ServiceClient
from kit.problems import FieldError, problem_response
from kit.reference_lookup import ReferenceLookup


def within_contracts(contract_code: Any, contracts: Collection[str] | None) -> ColumnElement[bool]:
    """A query's tenant filter: rows of these contracts (`Principal.contract_scope`); None: every contract."""
    return true() if contracts is None else contract_code.in_(list(contracts))


class RegisteredContract(BaseModel):
    """What the other services need of a contract; tolerant of fields added later."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    code: str
    code_epci: str = Field(alias="codeEpci")
    start_year: int = Field(alias="startYear")
    end_year: int = Field(alias="endYear")
    qpv_codes: tuple[str, ...] = Field(alias="qpvCodes")


class ContractRegistry:
    """The registry of contracts in territories, read through a cached reference lookup."""

    def __init__(self, client: ServiceClient) -> None:
        self._lookup = ReferenceLookup(
            client, lambda code: f"/contracts/{code}", RegisteredContract.model_validate_json
        )

    async def find(self, code: str) -> RegisteredContract | None:
        """The contract, or None if territories says it does not exist."""
        return await self._lookup.find(code)

    async def aclose(self) -> None:
        await self._lookup.aclose()


class UnknownContractError(Exception):
    """The registry has no contract with this code."""


async def require_contract(registry: ContractRegistry, code: str) -> RegisteredContract:
    """The registered contract; UnknownContractError or ReferenceUnavailableError otherwise."""
    contract = await registry.find(code)
    if contract is None:
        raise UnknownContractError(code)
    return contract


async def _on_unknown_contract(request: Request, exc: Exception) -> Response:
    error = FieldError(
        pointer="/body/contractCode",
        field="contractCode",
        rule="registered-contract",
        message=f"No contract {exc} is registered",
    )
    return problem_response(
        422,
        "validation",
        "Invalid input",
        f"No contract {exc} is registered",
        instance=request.url.path,
        errors=[error],
    )


def install_contract_problems(app: FastAPI) -> None:
    """An unregistered contract code in a request: 422 naming `contractCode`."""
    app.add_exception_handler(UnknownContractError, _on_unknown_contract)


async def request_contract_registry(request: Request) -> ContractRegistry:
    """FastAPI dependency: the app's contract registry client."""
    registry: ContractRegistry = request.app.state.contract_registry
    return registry
