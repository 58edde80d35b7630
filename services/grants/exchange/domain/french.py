"""The programmation's files in French, for the people who read them (the XLSX and the tableur-fr CSV): the
words of the values the exchange CSV gives as codes, and the summary's checks worded from their figures.
Decisions are worded as the prefecture's own files word them (research/grants.md §4.3: GISPRO's
"Accordée", Dauphin's "Sans suite"), so that the decisions import reads them back (decision_files.py)."""

from __future__ import annotations

from collections.abc import Mapping

from services.grants.applications.domain.financing import LineDecision, Opinion
from services.grants.applications.domain.workflow import State
from services.grants.calls.domain import Scheme
from services.grants.framework.domain import Pillar
from services.grants.operators.domain import OperatorProfile
from services.grants.programmation.domain.portfolio import Finding

DECISIONS = {
    LineDecision.GRANTED.value: "Accordée",
    LineDecision.REFUSED.value: "Refusée",
    LineDecision.NO_FOLLOW_UP.value: "Sans suite",
}
OPINIONS = {
    Opinion.FAVOURABLE.value: "Favorable",
    Opinion.UNFAVOURABLE.value: "Défavorable",
    Opinion.RESERVED.value: "Réservé",
}
STATES = {
    State.DRAFT.value: "Brouillon",
    State.SUBMITTED.value: "Déposée",
    State.RECEIVABLE.value: "Recevable",
    State.NOT_RECEIVABLE.value: "Non recevable",
    State.UNDER_INSTRUCTION.value: "En instruction",
    State.CORRECTION_REQUESTED.value: "Correction demandée",
    State.PROPOSED.value: "Proposée",
    State.DECIDED.value: "Décidée",
    State.NOTIFIED.value: "Notifiée",
    State.WITHDRAWN.value: "Retirée",
}
# The contract's four pillars (../shared/docs/domain.md, "Grants: facts").
PILLARS = {
    Pillar.COHESION_SOCIALE.value: "Cohésion sociale",
    Pillar.EMPLOI.value: "Emploi et développement économique",
    Pillar.CADRE_DE_VIE.value: "Cadre de vie et renouvellement urbain",
    Pillar.PILOTAGE.value: "Pilotage et ingénierie",
}
PROFILES = {
    OperatorProfile.SMALL_ASSOCIATION.value: "Petite association",
    OperatorProfile.ASSOCIATION.value: "Association",
    OperatorProfile.COMMUNE.value: "Commune",
    OperatorProfile.LANDLORD.value: "Bailleur social",
    OperatorProfile.SOCIAL_ECONOMY.value: "Économie sociale et solidaire",
    OperatorProfile.PUBLIC_BODY.value: "Établissement public",
    OperatorProfile.OTHER.value: "Autre",
}
SCHEMES = {
    Scheme.P147.value: "P147",
    Scheme.QUARTIERS_ETE.value: "Quartiers d'été",
    Scheme.SOLIDARITE_COMMUNAUTAIRE.value: "Solidarité communautaire",
}

# The portfolio checks (programmation/domain/portfolio.py, FINDING_WORDS): (the check's name, its words), per wording.
FINDINGS = {
    "within-requested": (
        "Montant dans la limite du sollicité",
        "{title} : {proposed} proposés par {financer}, au-delà des {requested} sollicités",
    ),
    "degressivity": (
        "Dégressivité",
        "{title} : {proposed} de P147, au-delà de {ceiling} ({previous} l'an dernier, moins {rate})",
    ),
    "within-envelope": (
        "Dans l'enveloppe",
        "{financer} : {used} proposés pour une enveloppe de {envelope} (dépassement de {over})",
    ),
    "hors-qpv-cap": (
        "Plafond hors QPV",
        "part des zones de vulnérabilité hors QPV de {share}, au-delà du plafond de {cap} : "
        "{hors_qpv} sur {departmental}",
    ),
    "hors-qpv-cap-unchecked": (
        "Plafond hors QPV",
        (
            "aucune enveloppe départementale P147 n'est saisie : le plafond de 2,5 % des zones de vulnérabilité"
            " hors QPV ne peut être vérifié"
        ),
    ),
    "new-actions-share": (
        "Part d'actions nouvelles",
        "{new} actions nouvelles sur {funded} ({share}), sous l'objectif de {target}",
    ),
    "cohesion-share": (
        "Part de la cohésion sociale",
        "cohésion sociale {cohesion} sur {p147} de P147 ({share}), sous l'objectif de {target}",
    ),
    "application-proposed": ("Demande proposée", "{title} : en état {state}, non proposée"),
    "programmed-once": ("Programmée une fois", "{title} : déjà programmée par un comité des financeurs"),
}


def worded(finding: Finding) -> tuple[str, str]:
    """A check's name and message in French, from its figures (a rate with a decimal comma)."""
    name, words = FINDINGS[finding.wording]
    figures: Mapping[str, str] = {
        key: value.replace(".", ",") if value.endswith(" %") else value for key, value in finding.figures.items()
    }
    return name, words.format_map(figures)
