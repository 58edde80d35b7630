"""Citizen bodies and governance committees of a contract, their participation level per theme, and who
manages them."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from identity.principal import Principal, Role
from services.participation.errors import RuleViolationError


class BodyKind(StrEnum):
    CONSEIL_CITOYEN = "conseil_citoyen"  # loi 2014-173 art. 7; the contract (002_…txt l. 1431)
    COMMISSION_CITOYENNE = "commission_citoyenne"  # Arras' successors of the conseils citoyens (l. 1713)
    CONSEIL_DE_QUARTIER = "conseil_de_quartier"  # l. 1711
    FABRIQUE_CITOYENNE = "fabrique_citoyenne"  # Achicourt (l. 1944)
    GROUPE_DE_PILOTAGE = "groupe_de_pilotage"  # Saint-Nicolas' social centre, residents elected (l. 1875)
    CONSEIL_DE_JEUNES = "conseil_de_jeunes"  # l. 1547
    CONSEIL_DES_AINES = "conseil_des_aines"  # l. 1547
    COMMISSION_THEMATIQUE = "commission_thematique"
    COMITE_FONDS_PARTICIPATION = "comite_fonds_participation"  # budget citoyen, projets d'initiative (l. 1751)
    COMITE_DE_PILOTAGE = "comite_de_pilotage"
    COMITE_DES_FINANCEURS = "comite_des_financeurs"
    COMITE_STRATEGIQUE = "comite_strategique"
    COMITE_TECHNIQUE = "comite_technique"
    MOUS = "mous"
    TIERS_LIEU = "tiers_lieu"
    OTHER = "other"


# The contract's governance bodies (002_…txt l. 2090-2099): they refer to citizen bodies and answer them.
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


# The ladder the contract asks a level of, per theme (002_…txt l. 202).
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
    established_on: date | None = None
    dissolved_on: date | None = None
    version: int = 1

    def dissolved_by(self, day: date) -> bool:
        """Dissolved on or before the day: by its dissolution date, or by its status when it has no date."""
        if self.dissolved_on is not None:
            return self.dissolved_on <= day
        return self.status == BodyStatus.DISSOLVED

    def established_by(self, day: date) -> bool:
        """Established on or before the day (a body whose establishment date is unknown is taken as there)."""
        return self.established_on is None or self.established_on <= day


def check_life(body: Body) -> None:
    """A body is dissolved after it is established, and a dissolution date is a dissolved body's (the
    conseils citoyens of 2015-2023 gave way to Arras' commissions citoyennes: 002_…txt l. 1713)."""
    if body.dissolved_on is None:
        return
    if body.established_on is not None and body.dissolved_on < body.established_on:
        raise RuleViolationError("dissolved_on", "after-established", "a body is dissolved after it is established")
    if body.status != BodyStatus.DISSOLVED:
        raise RuleViolationError("status", "dissolved-with-date", "a body with a dissolution date is dissolved")


def check_body(body: Body, contract_qpv_codes: Collection[str]) -> None:
    outside = sorted(set(body.qpv_codes) - set(contract_qpv_codes))
    if outside:
        raise RuleViolationError(
            "qpv_codes", "qpv-of-contract", "QPV not covered by the contract: " + ", ".join(outside)
        )


def check_commune(position: int, code: str, epci: str | None, *, exists: bool, contract_epci: str | None) -> None:
    """A body's commune exists and lies in the contract's EPCI (the contract is the EPCI's: 002_…txt l. 2090)."""
    if not exists:
        raise RuleViolationError(f"commune_codes/{position}", "commune-exists", f"no commune {code}")
    if epci != contract_epci:
        raise RuleViolationError(
            f"commune_codes/{position}", "commune-of-contract", f"{code} is not in the contract's EPCI"
        )


@dataclass(frozen=True, slots=True)
class ThemeLevel:
    """A body's participation level on one theme: as declared, and as observed (by the evaluation).
    The contract sets a level per theme and per body (002_…txt l. 202, l. 1729-1745)."""

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


def pilots_contract(caller: Principal, contract_code: str) -> bool:
    """Platform admins and the contract's pilots."""
    return caller.is_platform_admin or (Role.CONTRACT_PILOT in caller.roles and caller.works_on(contract_code))


def manages_body(caller: Principal, contract_code: str, body_id: uuid.UUID) -> bool:
    """Platform admins, the contract's pilots and the body's own facilitators run its members, meetings, draws
    and opinions."""
    return pilots_contract(caller, contract_code) or (
        Role.BODY_FACILITATOR in caller.roles and str(body_id) in caller.bodies
    )


def sets_up(caller: Principal, contract_code: str, commune_codes: Collection[str]) -> bool:
    """Who sets up a body (creates it, changes it, sets its themes): platform admins and the contract's pilots,
    any body of the contract; a commune, the bodies of its own territory only (identity.principal: "a commune
    writes its bodies"): those whose communes, one at least, are all its own. Arras dissolved a body of
    Achicourt."""
    if pilots_contract(caller, contract_code):
        return True
    return (
        Role.COMMUNE in caller.roles
        and caller.works_on(contract_code)
        and bool(commune_codes)
        and set(commune_codes) <= caller.communes
    )


def check_set_up_by(caller: Principal, contract_code: str, commune_codes: Collection[str]) -> None:
    """A body as written (created, or changed to) must stay one the caller sets up."""
    if not sets_up(caller, contract_code, commune_codes):
        raise RuleViolationError(
            "commune_codes", "own-communes", "a commune sets up the bodies of its own communes: name them, only them"
        )
