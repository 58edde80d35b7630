"""The kept sums (kept_sums.py) checked against the applications and lines they sum, and rebuilt where they
differ: a nightly safety net for a writer that would bypass the triggers' assumptions (none does today).

Kept and computed are read in one statement, so from one snapshot: a write commits its rows and its sums
together, so at any snapshot they agree, and a difference is a real one, never a write in flight. A rebuild
deletes the contract's sums it sees and inserts the sums its applications give, in one statement too: a
write committing meanwhile keeps its own rows and is counted once. The lines it marks again have their
applications held first, so that a change of state beside it flips them as they end up marked.

The kept programmation items (migration gran0031) are checked the same night against the items their rows
give, in one statement too; those that differ are written again by the triggers' own function (which holds
them first, then writes them from what is committed then)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Uuid, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY

from kit.change_feed import change_channel
from services.grants.applications.models import ApplicationRow
from services.grants.persistence import Repository
from services.grants.programmation.models import ProgrammationItemRow
from services.grants.programmation.repository.scenarios import LIVE_STATES
from services.grants.programmation.repository.statements import items_built
from services.grants.settings import SCHEMA

_LIVE = "ARRAY[" + ", ".join(f"'{state}'" for state in LIVE_STATES) + "]"

# The sums the applications and lines give (as the triggers of migration gran0028 add them): per objective,
# operator, served QPV and in all for live applications; per financer for the lines of live applications
# (their application's state, not the line's own flag: the flag is checked too).
_COMPUTED = f"""
SELECT application.contract_code, application.year, d.dimension, d.key, count(*) AS applications,
       sum(application.lines_requested_cents) AS requested_cents,
       sum(application.lines_proposed_cents) AS proposed_cents,
       sum(application.lines_decided_cents) AS decided_cents,
       sum((application.lines_decided_cents > 0)::int) AS funded,
       sum(CASE WHEN d.dimension = 'counts'
                THEN coalesce(CAST(application.beneficiaries ->> 'total' AS INTEGER), 0) ELSE 0 END) AS beneficiaries
FROM grants.applications AS application
CROSS JOIN LATERAL (
    SELECT 'objective', coalesce(application.primary_objective_id::text, '')
    UNION ALL SELECT 'operator', application.operator_id::text
    UNION ALL SELECT 'counts', ''
    UNION ALL SELECT 'qpv', unnest(CASE WHEN application.hors_qpv THEN ARRAY['hors-QPV']
                                        WHEN cardinality(application.qpv_codes) = 0 THEN ARRAY['none']
                                        ELSE application.qpv_codes END)
) AS d(dimension, key)
WHERE application.state = ANY({_LIVE}) {{of_contract}}
GROUP BY application.contract_code, application.year, d.dimension, d.key
UNION ALL
SELECT line.contract_code, line.year, 'financer', line.institution_id::text, count(*),
       sum(line.requested_cents), sum(coalesce(line.proposed_cents, 0)), sum(coalesce(line.decided_cents, 0)),
       sum((coalesce(line.decided_cents, 0) > 0)::int), 0
FROM grants.financing_lines AS line
JOIN grants.applications AS application ON application.application_id = line.application_id
WHERE application.state = ANY({_LIVE}) {{of_line_contract}}
GROUP BY line.contract_code, line.year, line.institution_id
"""  # noqa: S608 - constants

_COLUMNS = ("applications", "requested_cents", "proposed_cents", "decided_cents", "funded", "beneficiaries")
_SUMS = ", ".join(_COLUMNS)

_DRIFT = f"""
WITH kept AS (
    SELECT contract_code, year, dimension, key, {", ".join(f"sum({name}) AS {name}" for name in _COLUMNS)}
    FROM grants.programmation_sums
    GROUP BY contract_code, year, dimension, key
    HAVING ({", ".join(f"sum({name})" for name in _COLUMNS)}) <> ({", ".join("0" for _ in _COLUMNS)})
), computed AS ({_COMPUTED.format(of_contract="", of_line_contract="")}),
mismarked AS (
    SELECT line.contract_code, count(*) AS lines
    FROM grants.financing_lines AS line
    JOIN grants.applications AS application ON application.application_id = line.application_id
    WHERE line.application_live <> (application.state = ANY({_LIVE}))
    GROUP BY line.contract_code
), differing AS (
    SELECT coalesce(kept.contract_code, computed.contract_code) AS contract_code, count(*) AS keys
    FROM kept FULL JOIN computed USING (contract_code, year, dimension, key)
    WHERE ({", ".join(f"kept.{name}" for name in _COLUMNS)})
          IS DISTINCT FROM ({", ".join(f"computed.{name}" for name in _COLUMNS)})
    GROUP BY 1
)
SELECT NULL AS contract_code, count(DISTINCT contract_code) AS keys, 0 AS lines FROM computed
UNION ALL
SELECT contract_code, coalesce(differing.keys, 0), coalesce(mismarked.lines, 0)
FROM differing FULL JOIN mismarked USING (contract_code)
ORDER BY 1 NULLS FIRST
"""  # noqa: S608 - constants


# First, without contract: how many contracts have live applications (in `keys`); then per contract whose
# kept sums differ from what its applications give: how many keys differ, and how many lines are marked with
# a liveness their application does not have.
DRIFT = text(_DRIFT)
# The lock compaction takes (kept_sums.py): taken before the rebuild's statements, so that their snapshots
# see what a folding that ran before committed.
LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended('programmation_sums:' || :contract_code, 0))")
# The applications whose lines are marked wrongly, locked as a new line's trigger locks them (FOR SHARE):
# a change of state running beside is waited for (MARK then sees its state and the lines it flipped), one
# starting later waits for the rebuild's commit (its flip then sees the lines as MARK left them).
HOLD = text(
    f"""
    SELECT 1 FROM grants.applications AS application
    JOIN grants.financing_lines AS line ON line.application_id = application.application_id
    WHERE line.contract_code = :contract_code AND line.application_live <> (application.state = ANY({_LIVE}))
    ORDER BY application.application_id
    FOR SHARE OF application
    """  # noqa: S608 - constants
)
# The contract's lines marked with their application's liveness (their trigger adds what that changes).
MARK = text(
    f"""
    UPDATE grants.financing_lines AS line SET application_live = (application.state = ANY({_LIVE}))
    FROM grants.applications AS application
    WHERE application.application_id = line.application_id AND line.contract_code = :contract_code
      AND line.application_live <> (application.state = ANY({_LIVE}))
    """  # noqa: S608 - constants
)
# The contract's sums deleted and inserted again as its applications give them, in one statement.
_OF_CONTRACT = _COMPUTED.format(
    of_contract="AND application.contract_code = :contract_code",
    of_line_contract="AND line.contract_code = :contract_code",
)
REBUILD = text(
    f"""
    WITH gone AS (DELETE FROM grants.programmation_sums WHERE contract_code = :contract_code)
    INSERT INTO grants.programmation_sums (contract_code, year, dimension, key, {_SUMS})
    {_OF_CONTRACT}
    """  # noqa: S608 - constants
)


@dataclass(frozen=True, slots=True)
class Drift:
    """A contract whose kept sums differ from what its applications give."""

    contract_code: str
    differing_keys: int
    mismarked_lines: int


class KeptSumsCheck(Repository):
    """The kept sums against their applications, and their rebuilding."""

    async def drifted(self) -> tuple[int, list[Drift]]:
        """How many contracts have live applications, and those whose kept sums differ (one statement)."""
        rows = (await self.session.execute(DRIFT)).all()
        contracts = next(keys for code, keys, _ in rows if code is None)
        return int(contracts), [Drift(code, int(keys), int(lines)) for code, keys, lines in rows if code is not None]

    async def rebuild(self, contract_code: str) -> None:
        """The contract's lines marked again (their applications held), then its sums rebuilt, under the
        compaction's lock."""
        values = {"contract_code": contract_code}
        for statement in (LOCK, HOLD, MARK, REBUILD):
            await self.session.execute(statement, values)


# Per contract, its applications whose kept item is missing or differs from the one their rows give (joined
# once: 0.93-0.97 s on the bench's 142,180 applications, 3.5-3.9 s with one subquery per application).
_BUILT = items_built(ApplicationRow.contract_code, ApplicationRow.application_id).subquery("built")
STALE_ITEMS = (
    select(_BUILT.c.contract_code, func.array_agg(_BUILT.c.application_id))
    .outerjoin(ProgrammationItemRow, ProgrammationItemRow.application_id == _BUILT.c.application_id)
    .where(ProgrammationItemRow.item.is_distinct_from(_BUILT.c.item))
    .group_by(_BUILT.c.contract_code)
    .order_by(_BUILT.c.contract_code)
)
REWRITE_ITEMS = select(func.grants.programmation_items_rewrite(bindparam("application_ids", type_=ARRAY(Uuid))))
# The items' table announces no change (it moves with the rows it is kept from): their rewrite does, so that
# the contract's remembered pages holding a wrong item are dropped.
ANNOUNCE = select(func.pg_notify(change_channel(SCHEMA), bindparam("contract_code")))


@dataclass(frozen=True, slots=True)
class StaleItems:
    """A contract's applications whose kept programmation item differs from the one their rows give."""

    contract_code: str
    application_ids: list[uuid.UUID]


class KeptItemsCheck(Repository):
    """The kept programmation items against their applications, and their writing again."""

    async def stale(self) -> list[StaleItems]:
        rows: Any = (await self.session.execute(STALE_ITEMS)).all()
        return [StaleItems(code, list(ids)) for code, ids in rows]

    async def rewrite(self, stale: StaleItems) -> None:
        await self.session.execute(REWRITE_ITEMS, {"application_ids": stale.application_ids})
        await self.session.execute(ANNOUNCE, {"contract_code": stale.contract_code})
