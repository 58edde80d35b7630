"""Financers and partners of a contract, and the CERFA 12156 sub-line each one's grants go on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from services.grants.errors import RuleViolationError
from services.grants.operators.domain import check_siret


class InstitutionKind(StrEnum):
    STATE_P147 = "state_p147"
    STATE_COMMON_LAW = "state_droit_commun"
    EPCI = "epci"
    COMMUNE = "commune"
    CAF = "caf"
    DEPARTEMENT = "departement"
    REGION = "region"
    EU_FUNDS = "eu_funds"
    LANDLORD = "landlord"
    OTHER = "other"


# CERFA 12156 account 74 sub-lines (Dauphin's sous-postes).
DEFAULT_SUBLINE = {
    InstitutionKind.STATE_P147: "74etat",
    InstitutionKind.STATE_COMMON_LAW: "74etat",
    InstitutionKind.EPCI: "74epci",
    InstitutionKind.COMMUNE: "74com",
    InstitutionKind.CAF: "74orgasoc",
    InstitutionKind.DEPARTEMENT: "74dep",
    InstitutionKind.REGION: "74region",
    InstitutionKind.EU_FUNDS: "74fe",
    InstitutionKind.LANDLORD: "74aidespriv",
    InstitutionKind.OTHER: "74x",
}
SUBLINES = frozenset({*DEFAULT_SUBLINE.values(), "74agenceserv", "74asp"})


@dataclass(frozen=True, slots=True)
class Institution:
    institution_id: uuid.UUID
    contract_code: str
    code: str  # short handle within the contract, e.g. "etat-p147", "cua"
    nom: str
    kind: InstitutionKind
    cerfa_subline: str
    dauphin_funder_title: str | None
    version: int = 1
    siret: str | None = None  # the attribuant's identifier in the SCDL open data

    @property
    def is_state_p147(self) -> bool:
        """The State's programme 147 "Politique de la ville", whose credits the contract's rules count."""
        return self.kind is InstitutionKind.STATE_P147


def check_institution(institution: Institution) -> None:
    if institution.cerfa_subline not in SUBLINES:
        raise RuleViolationError(
            "cerfa_subline", "cerfa-subline", f"the CERFA sub-line must be one of {sorted(SUBLINES)}"
        )
    if institution.siret is not None:
        check_siret(institution.siret)
