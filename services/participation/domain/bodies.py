"""Citizen bodies and governance committees of a contract."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from services.participation.domain.errors import RuleViolationError


class BodyKind(StrEnum):
    CONSEIL_CITOYEN = "conseil_citoyen"
    COMMISSION_CITOYENNE = "commission_citoyenne"
    CONSEIL_DE_QUARTIER = "conseil_de_quartier"
    FABRIQUE_CITOYENNE = "fabrique_citoyenne"
    GROUPE_DE_PILOTAGE = "groupe_de_pilotage"
    CONSEIL_DE_JEUNES = "conseil_de_jeunes"
    CONSEIL_DES_AINES = "conseil_des_aines"
    COMMISSION_THEMATIQUE = "commission_thematique"
    COMITE_FONDS_PARTICIPATION = "comite_fonds_participation"
    COMITE_DE_PILOTAGE = "comite_de_pilotage"
    COMITE_DES_FINANCEURS = "comite_des_financeurs"
    COMITE_STRATEGIQUE = "comite_strategique"
    COMITE_TECHNIQUE = "comite_technique"
    MOUS = "mous"
    TIERS_LIEU = "tiers_lieu"
    OTHER = "other"


GOVERNANCE_KINDS = frozenset(
    {
        BodyKind.COMITE_DE_PILOTAGE,
        BodyKind.COMITE_DES_FINANCEURS,
        BodyKind.COMITE_STRATEGIQUE,
        BodyKind.COMITE_TECHNIQUE,
        BodyKind.MOUS,
        BodyKind.TIERS_LIEU,
    }
)


class BodyStatus(StrEnum):
    CONSTITUTING = "constituting"
    ACTIVE = "active"
    DORMANT = "dormant"
    DISSOLVED = "dissolved"


class ParticipationLevel(StrEnum):
    """The contract's ladder: information, consultation, concertation, co-décision."""

    INFORMATION = "information"
    CONSULTATION = "consultation"
    CONCERTATION = "concertation"
    CO_DECISION = "co_decision"


@dataclass(frozen=True, slots=True)
class Body:
    body_id: uuid.UUID
    contract_code: str
    name: str
    kind: BodyKind
    participation_level: ParticipationLevel
    qpv_codes: tuple[str, ...]
    status: BodyStatus = BodyStatus.ACTIVE
    recognition_act: str | None = None
    version: int = 1


def check_body(body: Body, contract_qpv_codes: Collection[str]) -> None:
    outside = sorted(set(body.qpv_codes) - set(contract_qpv_codes))
    if outside:
        raise RuleViolationError(
            "qpvCodes", "qpv-of-contract", "QPV not covered by the contract: " + ", ".join(outside)
        )
