"""Operators: the organisations that carry actions, identified as the State's systems identify them, and
who reads their records (an operator's users only their own organisation's)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

from identity.principal import Principal
from services.grants.errors import NotFoundError, RuleViolationError
from services.grants.roles import PARTNERS

# INSEE (SIRENE): the SIREN and the SIRET carry a Luhn key; La Poste's establishments share one SIREN and
# cannot all have one, so their SIRET's digits add up to a multiple of 5 instead…
LA_POSTE_SIREN = "356000000"
LA_POSTE_HEAD_OFFICE = "35600000000048"  # …except its head office, which keeps the Luhn key
RNA = re.compile(r"^W[0-9]{9}$")  # the répertoire national des associations: W and 9 digits
INSEE_COMMUNE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")  # INSEE's code officiel géographique (2A/2B: Corsica)
DAUPHIN_TIERS = re.compile(r"^[0-9]{8}$")  # Dauphin's number of a tiers (research/grants.md §1.2)


class OperatorProfile(StrEnum):
    SMALL_ASSOCIATION = "small_association"
    ASSOCIATION = "association"
    COMMUNE = "commune"
    LANDLORD = "landlord"
    SOCIAL_ECONOMY = "social_economy"
    PUBLIC_BODY = "public_body"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Operator:
    operator_id: uuid.UUID
    contract_code: str
    nom: str
    profile: OperatorProfile
    legal_form: str | None
    address: str | None
    code_commune: str | None
    # How the State's registers know it (what check_operator checks besides the commune): SIRENE, the
    # répertoire national des associations, Dauphin.
    siret: str
    rna: str | None
    dauphin_tiers: str | None
    version: int = 1

    @property
    def siren(self) -> str:
        return self.siret[:9]


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, character in enumerate(reversed(digits)):
        value = int(character)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def check_siret(siret: str) -> None:
    if not re.fullmatch(r"[0-9]{14}", siret):
        raise RuleViolationError("siret", "siret-format", "siret must be 14 digits")
    if siret.startswith(LA_POSTE_SIREN) and siret != LA_POSTE_HEAD_OFFICE:
        if sum(int(character) for character in siret) % 5:
            raise RuleViolationError("siret", "siret-key", f"{siret} fails La Poste's SIRET key")
        return
    if not luhn_valid(siret[:9]):
        raise RuleViolationError("siret", "siren-key", f"the SIREN {siret[:9]} fails its Luhn key")
    if not luhn_valid(siret):
        raise RuleViolationError("siret", "siret-key", f"{siret} fails the SIRET Luhn key")


def check_operator(operator: Operator) -> None:
    check_siret(operator.siret)
    if operator.rna is not None and not RNA.fullmatch(operator.rna):
        raise RuleViolationError("rna", "rna-format", "rna must be W followed by 9 digits")
    if operator.code_commune is not None and not INSEE_COMMUNE.fullmatch(operator.code_commune):
        raise RuleViolationError("code_commune", "insee-code", "the commune must be given by its INSEE code")
    if operator.dauphin_tiers is not None and not DAUPHIN_TIERS.fullmatch(operator.dauphin_tiers):
        raise RuleViolationError("dauphin_tiers", "dauphin-tiers", "a Dauphin tiers number is 8 digits")


def own_organisations(actor: Principal) -> set[uuid.UUID] | None:
    """None when the caller sees every operator of its contracts (the contract's partners); else the
    operators bound to it in its token (an operator's users: their own organisation)."""
    if actor.roles & PARTNERS:
        return None
    bound = set()
    for value in actor.organisations:
        try:
            bound.add(uuid.UUID(value))
        except ValueError:
            continue
    return bound


class OperatorRecord(Protocol):
    """A record of one operator in one contract: the operator itself, an application, a convention."""

    @property
    def contract_code(self) -> str: ...

    @property
    def operator_id(self) -> uuid.UUID: ...


Record = TypeVar("Record", bound=OperatorRecord)


def seen(actor: Principal, record: Record | None, kind: str, identifier: uuid.UUID) -> Record:
    """The record, if the caller reads its operator's records; else it answers like a missing one."""
    if record is None or not sees_records_of(actor, record.contract_code, record.operator_id):
        raise NotFoundError(kind, str(identifier))
    return record


def sees_records_of(actor: Principal, contract_code: str, operator_id: uuid.UUID) -> bool:
    """Whether the caller reads an operator's records (the operator, its applications, conventions) in a
    contract; another organisation's answer like missing ones."""
    own = own_organisations(actor)
    return actor.works_on(contract_code) and (own is None or operator_id in own)
