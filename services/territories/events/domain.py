"""Who reads an event of territories: reference data (no contract: indicators, renewal projects, squares)
is public, so its events go to every reader; a contract's registration to those who work on it."""

from __future__ import annotations

from identity.principal import Principal


def sees_event(actor: Principal, contract_code: str | None) -> bool:
    return contract_code is None or actor.works_on(contract_code)
