"""Contracts are the platform's tenants; their registry lives in territories and is read over HTTP.

Answers are cached, and a stale answer is used while territories is briefly unreachable, so that the
other services keep working.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from fastapi import FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.responses import Response

from kit.http_client import ServiceClient, UpstreamError
from kit.problems import FieldError, problem_response

FRESH_SECONDS = 300.0
STALE_SECONDS = 24 * 3600.0


class RegisteredContract(BaseModel):
    """What the other services need of a contract; tolerant of fields added later."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    code: str
    code_epci: str = Field(alias="codeEpci")
    start_year: int = Field(alias="startYear")
    end_year: int = Field(alias="endYear")
    qpv_codes: tuple[str, ...] = Field(alias="qpvCodes")


class ContractRegistryUnavailableError(Exception):
    """Territories cannot say whether the contract exists, and nothing usable is cached."""


@dataclass
class _Entry:
    contract: RegisteredContract | None
    fetched_at: float


class ContractRegistry:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client
        self._cache: dict[str, _Entry] = {}

    async def find(self, code: str) -> RegisteredContract | None:
        """The contract, or None if territories says it does not exist."""
        now = time.monotonic()
        entry = self._cache.get(code)
        if entry is not None and now - entry.fetched_at < FRESH_SECONDS:
            return entry.contract
        try:
            response = await self._client.request("GET", f"/contracts/{code}")
            if response.status_code == 404:
                contract = None
            elif response.status_code == 200:
                contract = RegisteredContract.model_validate_json(response.content)
            else:
                raise UpstreamError(self._client.service, f"status {response.status_code}")
        except (UpstreamError, ValidationError) as error:
            if entry is not None and now - entry.fetched_at < STALE_SECONDS:
                return entry.contract
            raise ContractRegistryUnavailableError(str(error)) from error
        self._cache[code] = _Entry(contract, now)
        return contract

    async def aclose(self) -> None:
        await self._client.aclose()


class UnknownContractError(Exception):
    """The registry has no contract with this code."""


async def require_contract(registry: ContractRegistry, code: str) -> RegisteredContract:
    """The registered contract; UnknownContractError or ContractRegistryUnavailableError otherwise."""
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


async def _on_registry_unavailable(request: Request, _exc: Exception) -> Response:
    return problem_response(
        503,
        "contract-registry-unavailable",
        "Service unavailable",
        "The contract registry cannot be read; retry later.",
        instance=request.url.path,
        headers={"Retry-After": "5"},
    )


def install_tenancy_problems(app: FastAPI) -> None:
    app.add_exception_handler(UnknownContractError, _on_unknown_contract)
    app.add_exception_handler(ContractRegistryUnavailableError, _on_registry_unavailable)


async def request_contract_registry(request: Request) -> ContractRegistry:
    """FastAPI dependency: the app's contract registry client."""
    registry: ContractRegistry = request.app.state.contract_registry
    return registry
