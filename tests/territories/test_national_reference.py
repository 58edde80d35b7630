"""Any EPCI can start: `./dev import-national` downloads @etalab/decoupage-administratif from the npm registry
(pinned integrity, cached in $CDQ_NPM_CACHE: the first run downloads, and fails, never skips, when the registry
is unreachable), loads France's reference and QPVs into a fresh database, and the contract of Creil, Denain,
Saint-Quentin or Soissons is then registered through a gateway in front of it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from cli.embedded_postgres import free_port
from cli.national_reference import (
    INTEGRITY,
    NationalReferenceError,
    check_integrity,
    package_data,
)
from cli.stack import AUDIENCE, ISSUER
from gateway.app import create_app as create_gateway
from identity.principal import Role
from services.territories.app import create_app as create_territories
from services.territories.settings import TerritoriesSettings
from tests.gateway.wire import gateway_settings
from tests.running_stack import RunningStack, ServingThread

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing answers there
# (EPCI, a commune with a QPV 2024) of the four contracts a fresh machine must be able to register.
STARTERS = {
    "Creil": ("200068047", "60175"),
    "Denain": ("200042190", "59172"),
    "Saint-Quentin": ("200071892", "02691"),
    "Soissons": ("240200477", "02722"),
}


def downloaded() -> Path:
    try:
        return package_data()
    except NationalReferenceError as error:
        pytest.fail(f"the national reference could not be obtained from the npm registry: {error}")


@pytest.fixture(scope="module")
def national_gateway(stack: RunningStack) -> Iterator[str]:
    """A fresh territories database loaded by the real command, its territories app and a gateway before it."""
    downloaded()
    url = stack.territories_database("cdq_national_reference")
    command = subprocess.run(
        [sys.executable, "-m", "cli", "import-national"],
        cwd=ROOT,
        env={**os.environ, "TERRITORIES_DATABASE_URL": url, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert command.returncode == 0, command.stderr[-3000:]
    assert "decoupage-administratif 6.0.0" in command.stdout
    territories = TerritoriesSettings(
        environment="test",
        database_url=url,
        auth_issuer=ISSUER,
        auth_audience=AUDIENCE,
        auth_jwks=stack.jwks_json(),
    )
    ports = {"territories": free_port(), "gateway": free_port()}
    gateway = gateway_settings(stack, territories_url=f"http://127.0.0.1:{ports['territories']}")
    thread = ServingThread(
        {
            "territories": (create_territories(territories), ports["territories"]),
            "gateway": (create_gateway(gateway), ports["gateway"]),
        }
    )
    thread.start_and_wait()
    yield f"http://127.0.0.1:{ports['gateway']}"
    thread.stop()


@pytest.fixture
async def national(national_gateway: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=national_gateway, timeout=30) as client:
        yield client


@pytest.mark.parametrize("town", sorted(STARTERS))
async def test_a_fresh_machine_registers_the_contract_of(
    town: str, national: httpx.AsyncClient, stack: RunningStack
) -> None:
    epci, commune = STARTERS[town]
    loaded = (await national.get(f"/api/territories/communes/{commune}")).json()
    assert (loaded["codeEpci"], loaded["populationYear"]) == (epci, 2023)
    assert loaded["population"] > 0
    qpvs = (await national.get("/api/territories/qpvs", params={"codeEpci": epci, "generation": "2024-2030"})).json()
    codes = [item["code"] for item in qpvs["items"]]
    assert codes, f"no QPV 2024 listed under {town}'s EPCI"
    registered = await national.post(
        "/api/territories/contracts",
        headers=stack.headers([Role.PLATFORM_ADMIN]),
        json={
            "code": f"CV-{epci}-2024",
            "nom": f"Contrat de ville de {town}",
            "codeEpci": epci,
            "startYear": 2024,
            "endYear": 2030,
            "qpvCodes": codes,
        },
    )
    assert registered.status_code == 201, registered.text
    assert (await national.get(f"/api/territories/contracts/CV-{epci}-2024")).json()["qpvCodes"] == codes


async def test_the_whole_country_is_there(national: httpx.AsyncClient) -> None:
    regions = (await national.get("/api/territories/regions")).json()
    assert {"11", "32", "84"} <= {item["code"] for item in regions["items"]}
    departements = (await national.get("/api/territories/departements", params={"codeRegion": "32"})).json()
    assert {item["code"] for item in departements["items"]} == {"02", "59", "60", "62", "80"}
    paris = (await national.get("/api/territories/communes/75056")).json()
    assert paris["nom"] == "Paris"


def test_a_tarball_that_is_not_the_pinned_one_is_refused() -> None:
    genuine = (downloaded().parent / "decoupage-administratif-6.0.0.tgz").read_bytes()
    check_integrity(genuine, INTEGRITY)
    with pytest.raises(NationalReferenceError, match="does not match its pinned integrity"):
        check_integrity(genuine[:-1] + bytes([genuine[-1] ^ 1]), INTEGRITY)


def test_the_cache_serves_once_downloaded_and_an_unreachable_registry_says_so(tmp_path: Path) -> None:
    cached = downloaded()
    assert package_data(registry=UNREACHABLE) == cached  # no network needed once cached
    with pytest.raises(NationalReferenceError, match="npm registry could not be reached"):
        package_data(cache=tmp_path, registry=UNREACHABLE)
    assert not any(tmp_path.rglob("*.json"))
