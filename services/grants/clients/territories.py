"""What grants asks territories besides contracts and communes (identity/): where points lie; and the
references its use cases check records against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, NamedTuple

import orjson
from fastapi import Depends, Request

from identity.communes import CommuneLookup, request_communes
from identity.contracts import ContractRegistry, request_contract_registry
from kit.http_client import ServiceClient, UpstreamError
from kit.pagination import MAX_PAGE_SIZE
from kit.problems import FieldError, ProblemError
from kit.reference_lookup import ReferenceUnavailableError


class OfficialZones:
    """The codes of a contract's official vulnerability zones (territories' public `/vulnerability-zones`),
    asked each time an application names one: a zone the préfet validated a minute ago is nameable."""

    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    async def official(self, contract_code: str) -> set[str]:
        codes: set[str] = set()
        offset = 0
        while True:
            try:
                response = await self._client.request(
                    "GET",
                    "/vulnerability-zones",
                    params={"contractCode": contract_code, "limit": MAX_PAGE_SIZE, "offset": offset},
                )
            except UpstreamError as error:
                raise ReferenceUnavailableError(str(error)) from error
            if response.status_code != 200:
                raise ReferenceUnavailableError(f"territories answered {response.status_code}")
            try:
                page = orjson.loads(response.content)
                codes.update(str(item["code"]) for item in page["items"])
                total = int(page["total"])
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
                raise ReferenceUnavailableError("territories answered an unreadable list of zones") from error
            offset += MAX_PAGE_SIZE
            if offset >= total:
                return codes

    async def aclose(self) -> None:
        await self._client.aclose()


@dataclass(frozen=True, slots=True)
class References:
    """What territories says of contracts, communes (cached clients) and official vulnerability zones."""

    contracts: ContractRegistry
    communes: CommuneLookup
    zones: OfficialZones


async def request_official_zones(request: Request) -> OfficialZones:
    """FastAPI dependency: the app's client of the official vulnerability zones."""
    zones: OfficialZones = request.app.state.official_zones
    return zones


async def request_references(
    contracts: Annotated[ContractRegistry, Depends(request_contract_registry)],
    communes: Annotated[CommuneLookup, Depends(request_communes)],
    zones: Annotated[OfficialZones, Depends(request_official_zones)],
) -> References:
    """FastAPI dependency: the app's contract registry, commune lookup and official zones."""
    return References(contracts, communes, zones)


TerritoryReferences = Annotated[References, Depends(request_references)]


class ClassifiedPoint(NamedTuple):
    """One line of territories' answer: `ok` or `error`, and the codes of the QPVs containing the point."""

    status: str
    qpv_codes: list[str]


class PointClassifier:
    """Sends an operator's list of beneficiaries' coordinates to territories' batch lookup, on the caller's
    own credentials; of the answer's lines only each point's status and QPV codes are kept."""

    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    async def classify(self, body: bytes, media_type: str, authorization: str) -> list[ClassifiedPoint]:
        if media_type != "text/csv":
            raise ProblemError(415, "unsupported-media-type", "Unsupported media type", "Send text/csv: id,lat,lon.")
        try:
            response = await self._client.request(
                "POST",
                "/localisation/batch",
                params={"format": "ndjson"},
                content=body,
                headers={"Authorization": authorization, "Content-Type": "text/csv"},
            )
        except UpstreamError as error:
            raise ReferenceUnavailableError(str(error)) from error
        if response.status_code in {400, 413, 422}:
            detail = str(response.json().get("detail", "")) if response.content else ""
            raise ProblemError(
                422,
                "points-file",
                "The points file cannot be read",
                detail or "Send a CSV with the header id,lat,lon.",
                errors=[FieldError(pointer="/body", field="body", rule="points-file", message=detail or "unreadable")],
            )
        if response.status_code != 200:
            raise ReferenceUnavailableError(f"territories answered {response.status_code}")
        try:
            classified = [orjson.loads(line) for line in response.content.splitlines() if line]
            return [ClassifiedPoint(str(item["status"]), list(item["qpvCodes"])) for item in classified]
        except (orjson.JSONDecodeError, KeyError, TypeError) as error:
            raise ReferenceUnavailableError("territories answered an unreadable classification") from error

    async def aclose(self) -> None:
        await self._client.aclose()


async def request_point_classifier(request: Request) -> PointClassifier:
    """FastAPI dependency: the app's point classifier."""
    classifier: PointClassifier = request.app.state.point_classifier
    return classifier
