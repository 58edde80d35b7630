"""The CUA's connected programmes as `./dev up` loads them: the shipped file obeys every rule the API
enforces (the loader runs before the services, so nothing else checks it), and a second load changes
nothing."""

from __future__ import annotations

from identity.contracts import require_contract
from services.grants.clients.territories import References
from services.grants.programmes.domain.programme import check_programme, check_year
from services.grants.programmes.use_cases import demo_calls, demo_programmes, load_demo, read_demo
from tests.running_stack import RunningStack
from tests.use_case_sessions import rolled_back_unit_of_work


async def test_the_shipped_programmes_obey_the_apis_rules(references: References) -> None:
    document = read_demo()
    contract = await require_contract(references.contracts, document["contractCode"])
    years = (contract.start_year, contract.end_year)
    schemes = {call.scheme.value for call in demo_calls(document)}
    loaded = demo_programmes(document)
    assert {programme.kind.value for programme, _ in loaded} == {
        "tfpb_abatement",
        "cite_educative",
        "cite_emploi",
        "reussite_educative",
        "adultes_relais",
        "quartiers_ete",
    }
    for programme, figures in loaded:
        check_programme(programme, contract.qpv_codes, years, schemes)
        for year in figures:
            check_year(programme, year, years)
            assert year.fictitious, f"{programme.nom} {year.year}: the contract gives no figure"
        if not programme.computed_from_call:
            assert [year.year for year in figures] == [2024, 2025]


async def test_a_second_load_changes_nothing(stack: RunningStack, new_contract: str) -> None:
    document = {**read_demo(), "contractCode": new_contract}
    async with rolled_back_unit_of_work(stack, "grants") as uow:
        first = await load_demo(uow, document)
        assert (first.calls, first.programmes) == (len(document["calls"]), len(document["programmes"]))
        assert first.years == sum(len(item["years"]) for item in document["programmes"])
        again = await load_demo(uow, document)
        assert (again.calls, again.programmes, again.years) == (0, 0, 0)
