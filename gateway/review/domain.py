"""The annual review of a contract (issue 16, point 4): what it is made of, pure Python.

The review computes nothing the services compute: each block is one service endpoint's answer for the
contract and the year, read with the caller's own token, kept with where it comes from (service,
endpoint, year, perimeter). The contract asks for "une réunion annuelle du contrat de ville, préalablement
au lancement des appels à projets" and an update at mid-term (2027): the mid-term mode puts the baseline
year (the contract's first) beside the latest one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

Mode = Literal["annual", "mid-term"]
Status = Literal["available", "unavailable"]


class Section(StrEnum):
    """The sections of the review, in the order the guide names them (context, achievements, engineering
    and governance, droit commun)."""

    CONTEXT = "context"
    ACHIEVEMENTS = "achievements"
    DROIT_COMMUN = "droit-commun"
    CONNECTED_PROGRAMMES = "connected-programmes"
    CONTRACT_INDICATORS = "contract-indicators"
    GOVERNANCE = "governance"


SECTION_TITLES: Mapping[Section, str] = {
    Section.CONTEXT: "Contexte : les quartiers face à l'EPCI, à l'ensemble des QPV et à la France",
    Section.ACHIEVEMENTS: "Réalisations : programmation, conventions pluriannuelles, renouvellement urbain",
    Section.DROIT_COMMUN: "Droit commun et engagements des signataires",
    Section.CONNECTED_PROGRAMMES: "Programmes connexes (TFPB, cités éducatives, cités de l'emploi…)",
    Section.CONTRACT_INDICATORS: "Indicateurs du contrat au regard de leurs cibles",
    Section.GOVERNANCE: "Gouvernance et participation des habitants",
}


@dataclass(frozen=True, slots=True)
class Source:
    """One block of the review and the endpoint that fills it. `service` None: a slot no service fills yet,
    shown as unavailable with `pending` as its reason. Path and parameter values are templates over
    the names of `template_values` ({qpv}: the source is read once per QPV of the contract)."""

    key: str
    section: Section
    title: str
    service: str | None
    path: str = ""
    params: Mapping[str, str] = field(default_factory=dict)
    perimeter: str = "contrat"
    per_qpv: bool = False
    # "asked": the review's year; "baseline": also the baseline year in mid-term mode; "all": every year of
    # the contract up to the review's (a series such as meetings per year).
    years: Literal["asked", "baseline", "all"] = "asked"
    pending: str = ""

    @classmethod
    def slot(cls, key: str, section: Section, title: str, pending: str) -> Source:
        return cls(key=key, section=section, title=title, service=None, pending=pending)

    @property
    def needs_contract(self) -> bool:
        """Whether asking needs what only the registry knows (its QPVs, EPCI or first year); a source read for
        every year is then read for the review's year alone."""
        templates = [self.path, self.perimeter, *self.params.values()]
        return self.per_qpv or any("{epci}" in t or "{start}" in t for t in templates)

    def filled(self, values: Mapping[str, str]) -> tuple[str, dict[str, str]]:
        """The endpoint's path and query from the templates' values (see `template_values`)."""
        return self.path.format(**values), {name: value.format(**values) for name, value in self.params.items()}


def years_read(source: Source, year: int, baseline: int | None, start_year: int) -> list[int]:
    """The years a source is read for, the review's year first."""
    if source.years == "all":
        return [year, *range(start_year, year)]
    if source.years == "baseline" and baseline is not None and baseline != year:
        return [year, baseline]
    return [year]


def template_values(code: str, year: int, epci: str, start_year: int, qpv: str = "") -> dict[str, str]:
    """What a source's templates may name: {code}, {year}, {epci}, {start} (the contract's first year), {qpv}."""
    return {"code": code, "year": str(year), "epci": epci, "start": str(start_year), "qpv": qpv}


@dataclass(frozen=True, slots=True)
class Provenance:
    service: str
    endpoint: str
    year: int | None
    perimeter: str


@dataclass(frozen=True, slots=True)
class Block:
    key: str
    section: Section
    title: str
    status: Status
    provenance: Provenance | None
    data: Any = None
    reason: str | None = None
    qpv: str | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    """What a service answered: status None when it did not answer at all."""

    status: int | None
    body: Any = None


def unavailable_reason(service: str, reading: Reading) -> str:
    """Why a block is empty, in words a reader understands."""
    if reading.status is None or reading.status >= 500:
        return f"Le service {service} n'a pas répondu : cette partie sera produite quand il sera rétabli."
    if reading.status in (401, 403):
        return f"Le service {service} ne communique pas ces données à votre compte."
    if reading.status == 404:
        return f"Le service {service} ne connaît pas ces données pour ce contrat."
    return f"Le service {service} a refusé la demande (HTTP {reading.status})."


def block_of(source: Source, reading: Reading, provenance: Provenance, qpv: str | None = None) -> Block:
    if reading.status == 200:
        return Block(source.key, source.section, source.title, "available", provenance, reading.body, qpv=qpv)
    reason = unavailable_reason(provenance.service, reading)
    return Block(source.key, source.section, source.title, "unavailable", provenance, reason=reason, qpv=qpv)


def pending_block(source: Source) -> Block:
    return Block(source.key, source.section, source.title, "unavailable", None, reason=source.pending)


@dataclass(frozen=True, slots=True)
class YearRuleBroken:
    field: str
    rule: str
    message: str


def year_rules(field_name: str, year: int, start_year: int, end_year: int) -> list[YearRuleBroken]:
    """A review exists for the years of the contract (its text: 2024-2030), none before it."""
    if year < start_year:
        message = f"the contract starts in {start_year}: no review before that year"
        return [YearRuleBroken(field_name, "year-not-before-contract", message)]
    if year > end_year:
        message = f"the contract ends in {end_year}: no review after that year"
        return [YearRuleBroken(field_name, "year-not-after-contract", message)]
    return []


@dataclass(frozen=True, slots=True)
class Figure:
    """A headline figure: the value one endpoint answered, at the place it answered it."""

    key: str
    label: str
    unit: str
    value: str | int | bool | None
    provenance: Provenance | None


PARTICIPATION = "participation"
# (key, label, unit, block key, path in the block's answer): each taken as the service answered it.
HEADLINE: Sequence[tuple[str, str, str, str, tuple[str, ...]]] = (
    ("actionsFunded", "Actions financées", "actions", "evaluation", ("actionsFunded",)),
    ("decided", "Montant décidé, tous financeurs", "EUR", "evaluation", ("leverage", "decided")),
    ("p147Decided", "Crédits de l'État (P147) décidés", "EUR", "evaluation", ("leverage", "p147Decided")),
    ("cpoSharePercent", "Part des actions sous CPO", "%", "evaluation", ("cpo", "sharePercent")),
    ("cpoGoalMet", "Objectif de plus de 50 % sous CPO atteint", "", "evaluation", ("cpo", "goalMet")),
    ("newActionsSharePercent", "Part d'actions nouvelles", "%", "evaluation", ("newActions", "sharePercent")),
    ("leverage", "Effet levier (€ cofinancés par € P147)", "", "evaluation", ("leverage", "coFinancingPerP147Euro")),
    (
        "beneficiariesReached",
        "Bénéficiaires atteints",
        "personnes",
        "evaluation",
        ("beneficiaries", "reached", "total"),
    ),
    (
        "members",
        "Membres des instances citoyennes au 31/12",
        "personnes",
        "participation",
        ("membersProfile", "members"),
    ),
    ("participants", "Personnes présentes au moins une fois", "personnes", "participation", ("participants",)),
    ("opinionsIssued", "Avis émis", "avis", "participation", ("opinions", "issued")),
    (
        "opinionsShareAnswered",
        "Part des avis ayant reçu une réponse",
        "ratio",
        PARTICIPATION,
        ("opinions", "shareAnswered"),
    ),
    (
        "opinionsShareTakenUp",
        "Part des réponses reprenant l'avis",
        "ratio",
        PARTICIPATION,
        ("opinions", "shareTakenUp"),
    ),
    ("medianDaysToAnswer", "Délai médian de réponse", "jours", "participation", ("opinions", "medianDaysToAnswer")),
    (
        "droitCommunDeclared",
        "Moyens de droit commun déclarés par les signataires",
        "EUR",
        "droit-commun-means",
        ("totals", "declared", "amount"),
    ),
    ("engineeringEtp", "Ingénierie du contrat (ETP)", "ETP", "engineering-staff", ("totalEtp",)),
)


def _dig(data: Any, path: Sequence[str]) -> Any:
    for name in path:
        if not isinstance(data, dict):
            return None
        data = data.get(name)
    return data


def headline(blocks: Sequence[Block]) -> list[Figure]:
    """The figures a cohort or a mid-term comparison puts side by side, each from its block's answer."""
    by_key = {block.key: block for block in blocks if block.qpv is None}
    figures = []
    for key, label, unit, block_key, path in HEADLINE:
        block = by_key.get(block_key)
        available = block is not None and block.status == "available"
        value = _dig(block.data, path) if available and block is not None else None
        figures.append(Figure(key, label, unit, value, block.provenance if block is not None else None))
    return figures
