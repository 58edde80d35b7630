"""Our SCDL « subventions » open-data file as its reuser checks it: validated by frictionless against the
official schema 2.1.1 (vendored: vendor/scdl-subventions-2.1.1/SOURCE.md), with the schema's own custom
checks (Validata's: a SIRET's key, one of two identifiers), offline: the schema names remote resources
(its `path`, its example files) and nothing may be fetched."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import attrs
import httpx
import pytest
from frictionless import Check, Checklist, Error, Report, Resource, Schema, errors
from frictionless.resources import TableResource

from tests.clock import TravellingClock
from tests.grants.playbook import API, Year, notified

SCHEMA = Path(__file__).parent / "vendor" / "scdl-subventions-2.1.1" / "schema.json"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
ErrorKinds = list[type[Error]]


class NetworkRefusedError(OSError):
    """A connection out of this machine, tried while the network is off."""


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No name resolved and no connection made but to this machine, until the test ends."""
    resolve, connect = socket.getaddrinfo, socket.socket.connect

    def local_names(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in LOOPBACK:
            raise NetworkRefusedError(f"{host}: the network is off")
        return resolve(host, *args, **kwargs)

    def local_connections(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and address[0] not in LOOPBACK:
            raise NetworkRefusedError(f"{address}: the network is off")
        connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", local_names)
    monkeypatch.setattr(socket.socket, "connect", local_connections)


def siret_key_holds(siret: str) -> bool:
    """The Luhn key of the SIREN and of the SIRET (INSEE); La Poste's establishments (SIREN 356000000) have
    digits adding up to a multiple of 5 instead."""

    def luhn(digits: str) -> bool:
        doubled = (int(digit) * (2 if position % 2 else 1) for position, digit in enumerate(reversed(digits)))
        return sum(value - 9 if value > 9 else value for value in doubled) % 10 == 0

    if len(siret) != 14 or not siret.isdigit():
        return False
    if siret.startswith("356000000"):
        return sum(int(digit) for digit in siret) % 5 == 0
    return luhn(siret[:9]) and luhn(siret)


@attrs.define(kw_only=True, repr=False)
class FrenchSiretValue(Check):
    """Validata's `french-siret-value`: a column's SIRET, when given, has a valid key."""

    type = "french-siret-value"
    Errors: ClassVar[ErrorKinds] = [errors.CellError]
    column: str

    def validate_row(self, row: Any) -> Iterable[Error]:
        value = row[self.column]
        if value and not siret_key_holds(str(value)):
            yield errors.CellError.from_row(row, note="not a valid SIRET", field_name=self.column)


@attrs.define(kw_only=True, repr=False)
class OneOfRequired(Check):
    """Validata's `one-of-required`: one of two columns at least is given."""

    type = "one-of-required"
    Errors: ClassVar[ErrorKinds] = [errors.RowConstraintError]
    column1: str
    column2: str

    def validate_row(self, row: Any) -> Iterable[Error]:
        if not row[self.column1] and not row[self.column2]:
            yield errors.RowConstraintError.from_row(row, note=f"{self.column1} or {self.column2} is required")


CUSTOM_CHECKS: dict[str, type[Check]] = {"french-siret-value": FrenchSiretValue, "one-of-required": OneOfRequired}


def validated(folder: Path, content: bytes) -> Report:
    """The file validated against the vendored schema and its custom checks, as a local resource."""
    descriptor = json.loads(SCHEMA.read_text(encoding="utf-8"))
    checks = [CUSTOM_CHECKS[check["name"]](**check["params"]) for check in descriptor["custom_checks"]]
    (folder / "subventions.csv").write_bytes(content)
    resource = TableResource(path="subventions.csv", basepath=str(folder), schema=Schema.from_descriptor(descriptor))
    return resource.validate(Checklist(checks=checks))


def problems(report: Report) -> set[tuple[Any, ...]]:
    return {tuple(error) for error in report.flatten(["rowNumber", "fieldName", "type"])}


@pytest.fixture
async def published(gateway: httpx.AsyncClient, year: Year, clock: TravellingClock) -> bytes:
    """The State's SCDL file of the year: one grant, notified on 14 March 2025."""
    clock.travel_to(date(2025, 3, 14))
    await notified(gateway, year)
    answer = await gateway.get(
        f"{API}/open-data/subventions.csv",
        params={"contractCode": year.contract, "year": "2025", "institution": "etat-p147"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.content.count(b"\n") == 2, "a header and one grant"
    return answer.content


def test_the_schema_is_the_official_2_1_1_naming_remote_resources_nothing_fetches() -> None:
    descriptor = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert (descriptor["name"], descriptor["version"]) == ("subventions", "2.1.1")
    assert descriptor["path"].startswith("https://"), "a URL: loading the schema from it would fetch it"
    assert all(resource["path"].startswith("https://") for resource in descriptor["resources"])
    assert set(CUSTOM_CHECKS) == {check["name"] for check in descriptor["custom_checks"]}


async def test_the_open_data_file_is_valid_scdl_subventions_2_1_1(
    published: bytes, tmp_path: Path, offline: None
) -> None:
    report = validated(tmp_path, published)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    (task,) = report.tasks
    assert (task.stats["rows"], task.stats["fields"]) == (1, 16)


async def test_a_row_that_breaks_the_schema_is_named_by_its_field_and_error(
    published: bytes, tmp_path: Path, offline: None
) -> None:
    header, row = published.decode("utf-8-sig").splitlines()[:2]
    broken = (
        row.replace('"13000553100004"', '"1300055310000"')
        .replace('"7000.01"', '"7000,01"')
        .replace('"non"', '"no"')
        .replace('"73282932000074"', '"73282932000075"')
    )
    assert broken != row
    report = validated(tmp_path, f"\ufeff{header}\r\n{broken}\r\n".encode())
    assert not report.valid
    assert problems(report) == {
        (2, "idAttribuant", "constraint-error"),  # the schema's pattern: 14 digits
        (2, "idAttribuant", "cell-error"),  # the custom check: its key
        (2, "montant", "type-error"),
        (2, "notificationUE", "type-error"),
        (2, "idBeneficiaire", "cell-error"),
    }


def test_the_network_is_off_for_the_validation(offline: None, tmp_path: Path) -> None:
    remote = json.loads(SCHEMA.read_text(encoding="utf-8"))["resources"][0]["path"]
    report = Resource(path=remote).validate()
    assert not report.valid, "had the validation fetched a remote resource, it would have failed like this"
    with pytest.raises(NetworkRefusedError):
        socket.create_connection(("gitlab.com", 443), timeout=1)
