"""The data migration terr0009: a perimeter stored before the import wrote them as RFC 7946 says is written
again once (the generation's revision moves, so indexes are rebuilt); run again, it changes nothing."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import asyncpg

from cli.provisioning import downgrade, migrate
from services.territories.imports.use_cases import DATA_DIR
from services.territories.qpvs.domain import check_perimeter
from tests.running_stack import RunningStack, in_database
from tests.territories.rfc7946 import assert_rfc7946

DATABASE = "cdq_perimeter_migration"
# A perimeter as the former import stored it: the ANCT's clockwise rings and repeated vertices, kept as given.
LEGACY = {
    "type": "MultiPolygon",
    "coordinates": [
        [[[2.0, 50.0], [2.0, 50.01], [2.01, 50.01], [2.01, 50.01], [2.01, 50.0], [2.0, 50.0]]],
        [[[2.1, 50.0], [2.1, 50.000001], [2.100002, 50.00000100000001], [2.1, 50.0]]],
    ],
}


async def _run(url: str, statement: str, *arguments: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        return list(await connection.fetch(statement, *arguments))
    finally:
        await connection.close()


def _stored(url: str) -> tuple[dict[str, Any], int]:
    [row] = asyncio.run(
        _run(
            url,
            "SELECT q.perimeter::text AS perimeter, g.revision FROM territories.qpvs q"
            " JOIN territories.qpv_generations g USING (generation)",
        )
    )
    return json.loads(row["perimeter"]), row["revision"]


def test_stored_perimeters_are_written_as_rfc7946_says_once(stack: RunningStack) -> None:
    stack.provision(DATABASE)
    url = in_database(stack.owner_url("territories"), DATABASE)
    migrate("territories", url, "terr0008")
    asyncio.run(
        _run(
            url,
            "INSERT INTO territories.qpv_generations (generation, label, legal_act, starts_on, revision)"
            " VALUES ('2024-2030', 'QPV 2024', 'décret', '2024-01-01', 1)",
        )
    )
    asyncio.run(
        _run(
            url,
            "INSERT INTO territories.qpvs (qpv_id, code, generation, nom, aliases, status, codes_communes, perimeter)"
            " VALUES ($1, 'QN06258M', '2024-2030', 'Arras Ouest', '{}', 'qpv', '{62041}', $2::jsonb)",
            uuid.uuid4(),
            json.dumps(LEGACY),
        )
    )
    migrate("territories", url)
    perimeter, revision = _stored(url)
    assert perimeter == check_perimeter(LEGACY).geometry
    assert_rfc7946(perimeter)
    assert revision == 2
    downgrade("territories", url, "terr0008")
    migrate("territories", url)
    assert _stored(url) == (perimeter, 2)


def test_the_shipped_perimeters_need_nothing_more() -> None:
    collection = json.loads((DATA_DIR / "cua_qpv_2024.geojson").read_text(encoding="utf-8"))
    for feature in collection["features"]:
        stored = check_perimeter(feature["geometry"]).geometry
        assert check_perimeter(stored).geometry == stored
