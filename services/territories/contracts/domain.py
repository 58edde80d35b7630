"""The registry of contrats de ville: one per EPCI and period; others' records hang on its code.

Who may write what is decided here, from the actor's bindings alone: the route policies have already
checked the role and scope (policies.py), these rules say on which contract or territory.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from identity.principal import Principal
from services.territories.errors import InvalidFieldError

CONTRACT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,39}$")


@dataclass(frozen=True, slots=True)
class Signatory:
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class Contract:
    code: str
    nom: str
    code_epci: str
    start_year: int
    end_year: int
    qpv_codes: tuple[str, ...]
    signatories: tuple[Signatory, ...] = field(default_factory=tuple)
    version: int = 1


def check_contract(contract: Contract, known_qpv_codes: set[str]) -> None:
    """Rules a contract must follow before it is registered or changed: it covers QPV of its own EPCI (a
    contrat de ville is concluded at the intercommunal scale: loi n°2014-173 du 21 février 2014, article 6)."""
    if not CONTRACT_CODE.fullmatch(contract.code):
        raise InvalidFieldError("code", "pattern", "code: 3-40 chars, A-Z, 0-9 and '-'")
    if contract.end_year < contract.start_year:
        raise InvalidFieldError("end_year", "after-start", "the end year must not precede the start year")
    unknown = sorted(set(contract.qpv_codes) - known_qpv_codes)
    if unknown:
        raise InvalidFieldError("qpv_codes", "known-qpv-of-epci", "QPV not in this EPCI: " + ", ".join(unknown))


def may_edit_contract(actor: Principal, code: str) -> bool:
    """A contract (its territories, period, signatories) is changed by a platform admin or a pilot bound to it."""
    return actor.is_platform_admin or code in actor.contracts


def may_edit_territory(actor: Principal, code_epci: str | None, piloted_epcis: Collection[str]) -> bool:
    """A territory's records (renewal projects, indicator values) are written by platform admins, or by the
    pilots of a contract of the territory's EPCI (`piloted_epcis`); national figures belong to no EPCI."""
    return actor.is_platform_admin or (code_epci is not None and code_epci in piloted_epcis)
