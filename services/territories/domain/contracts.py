"""The registry of contrats de ville: one per EPCI and period; others' records hang on its code."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
    """Rules a contract must follow before it is registered or changed."""
    if not CONTRACT_CODE.fullmatch(contract.code):
        raise InvalidFieldError("code", "pattern", "code: 3-40 chars, A-Z, 0-9 and '-'")
    if contract.end_year < contract.start_year:
        raise InvalidFieldError("endYear", "after-start", "endYear must not precede startYear")
    unknown = sorted(set(contract.qpv_codes) - known_qpv_codes)
    if unknown:
        raise InvalidFieldError("qpvCodes", "known-qpv-of-epci", "QPV not in this EPCI: " + ", ".join(unknown))
