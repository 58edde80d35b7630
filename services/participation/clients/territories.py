"""What participation reads of territories besides the contract registry: communes, cached."""

from __future__ import annotations

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field

from kit.http_client import ServiceClient
from kit.reference_lookup import ReferenceLookup


class ReferencedCommune(BaseModel):
    """The little participation needs of a commune: its EPCI."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    code: str
    code_epci: str | None = Field(alias="codeEpci")


CommuneLookup = ReferenceLookup[ReferencedCommune]


def commune_lookup(client: ServiceClient) -> CommuneLookup:
    return ReferenceLookup(client, lambda code: f"/communes/{code}", ReferencedCommune.model_validate_json)


async def request_communes(request: Request) -> CommuneLookup:
    """FastAPI dependency: the app's commune lookup."""
    communes: CommuneLookup = request.app.state.communes
    return communes
