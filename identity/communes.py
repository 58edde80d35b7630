"""The communes principals and records are bound to, as territories registers them: read over HTTP by
code, cached (kit/reference_lookup.py), so that grants and participation check a commune's EPCI one way."""

from __future__ import annotations

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field

from kit.http_client import ServiceClient
from kit.reference_lookup import ReferenceLookup


class ReferencedCommune(BaseModel):
    """What the other services need of a commune: its EPCI; tolerant of fields added later."""

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
