"""The signatories of a contract and who speaks for each (the contract, ../shared/seeds/002…txt: "Ce
contrat, qui implique 17 co-signataires", line 872; "Les communes s'engagent à : (Achicourt, Arras,
Beaurains, Saint-Laurent-Blangy, Saint-Nicolas-lez-Arras)", line 911; "L'Etat, les communes, EPCI,
départements et régions sont des signataires obligatoires", line 2275; the engagement sheet of BGE
Hauts-de-France, lines 2315-2372).

A signatory the text counts but does not name is kept as an unnamed slot (no name invented): it carries no
sheet until a pilot names it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from identity.principal import Principal, Role
from services.grants.errors import ForbiddenByRuleError, NotEditableError
from services.grants.roles import PILOTS


class SignatoryKind(StrEnum):
    STATE = "state"
    EPCI = "epci"
    COMMUNE = "commune"
    DEPARTEMENT = "departement"
    REGION = "region"
    ASSOCIATION = "association"
    OTHER = "other"
    UNNAMED = "unnamed"


# Why a signatory is listed: named by the text, an obligatory signatory the text states in general terms
# (line 2275) whose institution follows from where the CUA lies (line 305), or a slot the text only counts.
class Basis(StrEnum):
    NAMED = "named"
    OBLIGATORY = "obligatory"
    UNNAMED = "unnamed"


@dataclass(frozen=True, slots=True)
class Signatory:
    signatory_id: uuid.UUID
    contract_code: str
    code: str  # short handle within the contract ("beaurains", "bge-hdf", "unnamed-01")
    nom: str | None  # None: the text counts this signatory without naming it
    kind: SignatoryKind
    basis: Basis
    source_lines: tuple[int, ...]
    institution_id: uuid.UUID | None = None  # the financer it is, where the contract has one
    institution_code: str | None = None
    code_insee: str | None = None  # a commune's
    version: int = 1

    @property
    def label(self) -> str:
        return self.nom or f"unnamed signatory {self.code}"


def speaks_for(actor: Principal, signatory: Signatory) -> bool:
    """A signatory's own users: their institution is the signatory (its code, or the financer it is), or,
    for a commune, a commune user bound to its INSEE code."""
    own = {code for code in (signatory.code, signatory.institution_code) if code}
    if actor.institution is not None and actor.institution in own:
        return True
    return (
        signatory.kind is SignatoryKind.COMMUNE
        and Role.COMMUNE in actor.roles
        and signatory.code_insee is not None
        and signatory.code_insee in actor.communes
    )


def reads_personal_parts(actor: Principal, signatory: Signatory) -> bool:
    """An agent's name (professional data) is read by the contract's pilots and the signatory's own users."""
    return bool(actor.roles & PILOTS) or speaks_for(actor, signatory)


OWN_SHEET_RULE = "own-signatory-sheet"


def check_sheet_editor(actor: Principal, signatory: Signatory) -> None:
    """Rule `own-signatory-sheet`: "Chaque signataire doit contribuer aux orientations stratégiques du contrat
    de ville" (line 2281): each signatory fills its own sheet; the contract's pilots may edit any."""
    if actor.roles & PILOTS or speaks_for(actor, signatory):
        return
    raise ForbiddenByRuleError(
        "signatory_id",
        OWN_SHEET_RULE,
        f"rule {OWN_SHEET_RULE}: only {signatory.label}'s own users (or the contract's pilots) edit its engagement"
        " sheet",
    )


def check_named(signatory: Signatory) -> None:
    """An unnamed slot carries no sheet: the text does not say who would fill it."""
    if signatory.basis is Basis.UNNAMED:
        raise NotEditableError(f"{signatory.code} is a signatory the contract counts without naming it: no sheet")
