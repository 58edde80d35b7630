"""The contract registry's use cases on the real database, each test in a transaction rolled back at its end
(tests/use_case_sessions.py): what they commit is seen inside it, and gone after."""

from __future__ import annotations

import pytest

from identity.principal import Principal, Role
from services.territories.contracts.domain import Contract
from services.territories.contracts.use_cases import get_contract, register_contract, update_contract
from services.territories.errors import ContractConflictError, NotBoundError, NotFoundError
from tests.running_stack import RunningStack
from tests.use_case_sessions import rolled_back_unit_of_work

ADMIN = Principal(subject="admin", kind="user", roles=frozenset({Role.PLATFORM_ADMIN}))
CODE = "CV-USE-CASE-TEST"


def contract(code: str = CODE) -> Contract:
    return Contract(
        code=code, nom="Contrat d'essai", code_epci="200033579", start_year=2024, end_year=2030, qpv_codes=("QN06258M",)
    )


async def test_a_registered_contract_is_read_back_and_its_registration_is_rolled_back(stack: RunningStack) -> None:
    async with rolled_back_unit_of_work(stack, "territories") as uow:
        await register_contract(uow, ADMIN, contract())
        assert (await get_contract(uow, CODE)).nom == "Contrat d'essai"
        with pytest.raises(ContractConflictError):
            await register_contract(uow, ADMIN, contract())
    async with rolled_back_unit_of_work(stack, "territories") as uow:
        with pytest.raises(NotFoundError):
            await get_contract(uow, CODE)


async def test_only_a_pilot_of_the_contract_updates_it(stack: RunningStack) -> None:
    pilot = Principal(subject="p", kind="user", roles=frozenset({Role.CONTRACT_PILOT}), contracts=frozenset({CODE}))
    stranger = Principal(subject="s", kind="user", roles=frozenset({Role.CONTRACT_PILOT}), contracts=frozenset({"X"}))
    async with rolled_back_unit_of_work(stack, "territories") as uow:
        await register_contract(uow, ADMIN, contract())
        with pytest.raises(NotBoundError):
            await update_contract(uow, stranger, CODE, {"nom": "Renamed"})
        updated = await update_contract(uow, pilot, CODE, {"nom": "Renamed"})
        assert (updated.nom, updated.version) == ("Renamed", 2)
        assert (await get_contract(uow, CODE)).nom == "Renamed"
