"""The pilot's and the State's tables and totals of the programmation, aggregated in SQL."""

from __future__ import annotations

from typing import Any

from kit.pagination import CountKept, KeptCounts, PageRequest
from services.grants.persistence import Repository
from services.grants.programmation.domain.tables import (
    PROGRAMMATION_PARTS,
    ProgrammationFilter,
    Total,
    Totals,
    of_year,
)
from services.grants.programmation.repository.kept_sums import COMPACT_BEYOND_ROWS, COMPACTION, KEPT_SHAPES, KEPT_TOTALS
from services.grants.programmation.repository.statements import PAGES, TOTALS, shape_of, values_of


class ProgrammationViews(Repository):
    """The pilot's and the State's tables and totals, aggregated in SQL."""

    # The contract whose kept sums the last totals added up beyond COMPACT_BEYOND_ROWS (`compact_sums`).
    compaction_due: str | None = None

    async def page_json(
        self, chosen: ProgrammationFilter, page: PageRequest, counts: KeptCounts | None = None
    ) -> tuple[str, int]:
        """A page of applications with operator, scheme, objective and each financer's amounts, as the JSON
        array of ProgrammationRow items that PostgreSQL writes itself (one statement, compiled once per
        shape of filters: nothing to build, load into objects, validate or serialise again here), and the
        total: counted once per change of the contract and kept (`counts`), not on every page."""
        held = of_year(PROGRAMMATION_PARTS, chosen.year)
        kept = CountKept(counts, chosen.contract_code, ("programmation", chosen), held)
        return await PAGES(self.session, shape_of(chosen), values_of(chosen), page, kept)

    async def totals(self, chosen: ProgrammationFilter) -> Totals:
        """Totals per financer, pillar, ambition, P147 theme, year, QPV and operator profile, and the
        evaluation's counts, in one statement. A contract's or a year's come from the sums its writes keep
        (kept_sums.py: a few hundred rows). Filtered ones are computed: the chosen applications, with the
        sums of their lines, come from one index range of applications; the financers' totals from one range
        of the lines' own index joined once with the chosen applications: never one probe per application."""
        results: dict[str, list[Any]] = {
            "financer": [],
            "pillar": [],
            "ambition": [],
            "qpv": [],
            "profile": [],
            "theme": [],
            "year": [],
            "counts": [],
        }
        distinct_operators = 0
        shape = shape_of(chosen)
        kept = shape in KEPT_SHAPES  # a contract's or a year's: from the sums its writes keep
        rows = await (KEPT_TOTALS if kept else TOTALS)(shape).rows(self.session, values_of(chosen))
        for name, key, count, requested, proposed, decided, funded, beneficiaries in rows:
            if name == "kept":
                self.compaction_due = chosen.contract_code if count > COMPACT_BEYOND_ROWS else None
            elif name == "operators":
                distinct_operators = count
            elif name == "counts":
                results["counts"].append((count, funded, beneficiaries))
            else:
                results[name].append((key, count, requested, proposed, decided, funded))
        applications, funded, beneficiaries = (int(figure) for figure in results.pop("counts")[0])
        by: dict[str, list[Total]] = {
            name: sorted(
                (
                    Total(key, int(count), int(requested), int(proposed), int(decided), int(funded))
                    for key, count, requested, proposed, decided, funded in rows
                ),
                key=lambda total: (total.key is None, str(total.key)),
            )
            for name, rows in results.items()
        }
        return Totals(
            by_financer=by["financer"],
            by_pillar=by["pillar"],
            by_ambition=by["ambition"],
            by_theme=by["theme"],
            by_year=by["year"],
            by_qpv=by["qpv"],
            by_operator_profile=by["profile"],
            applications=applications,
            funded_actions=funded,
            operators=distinct_operators,
            expected_beneficiaries=beneficiaries,
        )

    async def compact_sums(self, contract_code: str) -> None:
        """Fold the contract's kept sums into one row per year, dimension and key (one statement)."""
        await COMPACTION(frozenset()).run(self.session, {"contract_code": contract_code})
