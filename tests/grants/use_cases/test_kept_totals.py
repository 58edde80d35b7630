"""The programmation's totals of a contract and of a year, read from the sums its writes keep (triggers of
migration gran0028), equal the totals computed from the applications and their lines: after drafts,
submissions, decisions (a refusal among them), a notification, a withdrawal, a correction whose budget
changed, and after the sums are compacted."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from services.grants.applications.domain.workflow import Transition
from services.grants.applications.models import FinancingLineRow
from services.grants.applications.use_cases.drafting import replace_budget
from services.grants.applications.use_cases.workflow import move
from services.grants.programmation.domain.tables import ProgrammationFilter
from services.grants.programmation.models import ProgrammationSumRow
from services.grants.programmation.repository import views as programmation_views
from services.grants.programmation.repository.scenarios import LIVE_STATES
from services.grants.programmation.repository.views import ProgrammationViews
from services.grants.programmation.use_cases.views import totals
from tests.grants.use_cases.records import (
    Year,
    budget,
    decide,
    drafted,
    kept_and_computed,
    kept_and_counted_list,
    notified,
    submit,
    submitted,
)


async def _kept_rows(year: Year) -> int:
    async with year.uow.reading():
        query = select(func.count()).where(ProgrammationSumRow.contract_code == year.contract)
        return int((await year.uow.session.execute(query)).scalar_one())


async def test_kept_totals_are_the_computed_ones_through_a_year_of_changes(year: Year) -> None:
    of_year = ProgrammationFilter(contract_code=year.contract, year=2025)
    of_contract = ProgrammationFilter(contract_code=year.contract)
    await drafted(year)  # a draft counts nowhere
    await submitted(year)
    await submitted(year, year.other_operator, title="Chantier éducatif")
    await notified(year, title="Atelier vélo")
    refused = await submitted(year, title="Permanence juridique")
    await decide(year, refused, {"etat-p147": 500_000, "cua": 0})
    withdrawn = await submitted(year, title="Retiré")
    await move(year.uow, year.operator, withdrawn, Transition.WITHDRAW, "plus de local")
    corrected = await submitted(year, title="Corrigé")
    for step in (Transition.DECLARE_RECEIVABLE, Transition.INSTRUCT):
        await move(year.uow, year.state, corrected, step, None)
    await move(year.uow, year.state, corrected, Transition.REQUEST_CORRECTION, "budget à revoir")
    await replace_budget(year.uow, year.operator, corrected, budget(year, p147=300_000, cua=900_000))
    await submit(year, corrected)

    kept, computed = await kept_and_computed(year, of_year)
    assert kept == computed
    counts = next(row for row in kept if row[0] == "counts")
    assert counts[2] == 5  # the draft and the withdrawn application left out
    assert {row[1]: row[2] for row in kept if row[0] == "financer"} == {"cua": 5, "etat-p147": 5}
    assert await kept_and_computed(year, of_contract) == (computed, computed)

    before = await _kept_rows(year)
    async with year.uow.alone():
        await ProgrammationViews(year.uow.session).compact_sums(year.contract)
    assert await _kept_rows(year) < before
    assert await kept_and_computed(year, of_year) == (computed, computed)


async def test_the_list_of_a_qpv_or_an_operator_counts_from_the_kept_sums(year: Year) -> None:
    """The total of a programmation list of a QPV or of an operator, of the contract or of a year, is the sum
    kept under that key: as many applications as the list's filters choose, each once (a QPV named twice by
    a draft is stored once), an application serving no QPV under `none`, a draft and a withdrawn application
    nowhere."""
    await submitted(year, qpv_codes=("QN06258M", "QN06261M", "QN06258M"))
    await submitted(year, year.other_operator, title="Chantier éducatif", qpv_codes=())
    await notified(year, title="Atelier vélo")
    withdrawn = await submitted(year, title="Retiré", qpv_codes=("QN06261M",))
    await move(year.uow, year.operator, withdrawn, Transition.WITHDRAW, "plus de local")
    await drafted(year, qpv_codes=("QN06261M",))
    expected: list[tuple[dict[str, Any], int]] = [
        ({"qpv_code": "QN06258M"}, 2),
        ({"qpv_code": "QN06261M"}, 1),
        ({"qpv_code": "none"}, 1),  # serving no QPV and no official zone
        ({"qpv_code": "hors-QPV"}, 0),
        ({"qpv_code": "QN99999X"}, 0),
        ({"operator_id": year.operator_id}, 2),
        ({"operator_id": year.other_operator_id}, 1),
    ]
    for filters, total in expected:
        for of_year, counted in ((None, total), (2025, total), (2024, 0)):
            chosen = ProgrammationFilter(contract_code=year.contract, year=of_year, **filters)
            assert await kept_and_counted_list(year, chosen) == (counted, counted), (filters, of_year)
    async with year.uow.alone():
        await ProgrammationViews(year.uow.session).compact_sums(year.contract)
    for filters, total in expected:
        chosen = ProgrammationFilter(contract_code=year.contract, year=2025, **filters)
        assert await kept_and_counted_list(year, chosen) == (total, total), filters


def test_the_triggers_count_the_states_the_programmation_counts() -> None:
    """The migration's triggers name the live states as they were; the programmation's own may not move
    away from them unseen."""
    path = Path(__file__).parents[3] / "migrations/grants/versions/2026-12-06_programmation_sums.py"
    spec = importlib.util.spec_from_file_location("programmation_sums_migration", path)
    assert spec is not None
    assert spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert sorted(re.findall(r"'([a-z_]+)'", migration.LIVE)) == LIVE_STATES


async def test_a_line_written_with_its_own_flag_is_counted_as_its_application_says(year: Year) -> None:
    draft = (await drafted(year)).application.application_id
    async with year.uow.alone():
        await year.uow.session.execute(
            insert(FinancingLineRow).values(
                application_id=draft,
                institution_id=year.institutions["cua"],
                contract_code=year.contract,
                year=2025,
                requested_cents=123_400,
                application_live=True,  # wrong: a draft is not in the programmation
            )
        )
    kept, computed = await kept_and_computed(year, ProgrammationFilter(contract_code=year.contract, year=2025))
    assert kept == computed
    assert not [row for row in kept if row[0] == "financer"]


async def test_reading_the_totals_folds_the_sums_beyond_the_bound(year: Year, monkeypatch: pytest.MonkeyPatch) -> None:
    for title in ("Un", "Deux", "Trois"):
        await submitted(year, title=title)
    of_year = ProgrammationFilter(contract_code=year.contract, year=2025)
    before = await _kept_rows(year)
    monkeypatch.setattr(programmation_views, "COMPACT_BEYOND_ROWS", 0)
    read = await totals(year.uow, year.pilot, of_year)
    assert await _kept_rows(year) < before
    assert await totals(year.uow, year.pilot, of_year) == read
    assert read.applications == 3
    assert type(read.applications) is int
    kept, computed = await kept_and_computed(year, of_year)
    assert kept == computed
