"""Citizen bodies and governance committees of a contract."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from services.participation.errors import RuleViolationError


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
    commune_codes: tuple[str, ...] = ()
    status: BodyStatus = BodyStatus.ACTIVE
    recognition_act: str | None = None
    version: int = 1


def check_body(body: Body, contract_qpv_codes: Collection[str]) -> None:
    outside = sorted(set(body.qpv_codes) - set(contract_qpv_codes))
    if outside:
        raise RuleViolationError(
            "qpvCodes", "qpv-of-contract", "QPV not covered by the contract: " + ", ".join(outside)
        )


@dataclass(frozen=True, slots=True)
class ThemeLevel:
    """A body's participation level on one theme: as declared, and as observed (by the evaluation)."""

    theme: str
    declared: ParticipationLevel
    observed: ParticipationLevel | None = None


LADDER = list(ParticipationLevel)


def below_declared(level: ThemeLevel) -> bool:
    return level.observed is not None and LADDER.index(level.observed) < LADDER.index(level.declared)


def check_themes(levels: Collection[ThemeLevel]) -> None:
    themes = [level.theme for level in levels]
    if len(set(themes)) != len(themes):
        raise RuleViolationError("themes", "one-level-per-theme", "a theme appears once")
