"""Operators: the organisations that carry actions, identified as the State's systems identify them."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from enum import StrEnum

from services.grants.errors import RuleViolationError

LA_POSTE_SIREN = "356000000"  # La Poste's establishments do not follow the Luhn key of SIRET…
LA_POSTE_HEAD_OFFICE = "35600000000048"  # …except its head office
RNA = re.compile(r"^W[0-9]{9}$")
INSEE_COMMUNE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")


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
    siret: str
    rna: str | None
    legal_form: str | None
    address: str | None
    code_commune: str | None
    profile: OperatorProfile
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
        # La Poste: the sum of the 14 digits is a multiple of 5.
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
        raise RuleViolationError("codeCommune", "insee-code", "codeCommune must be an INSEE commune code")
    if operator.dauphin_tiers is not None and not re.fullmatch(r"[0-9]{8}", operator.dauphin_tiers):
        raise RuleViolationError("dauphinTiers", "dauphin-tiers", "dauphinTiers must be 8 digits")
