"""Connected programmes ("dispositifs connexes") of a contract, attached to its QPVs and years: the TFPB
abatement action plans of the social landlords, the Cités éducatives and de l'emploi, the Programmes de
réussite éducative, the adultes-relais posts and Quartiers d'été. The contract (../shared/seeds/002…txt)
asks its COPIL to review them: "Les cités éducatives et de l'emploi et les plans d'action TFPB" (line 1359),
the landlords' TFPB actions at the yearly meeting (line 2192), the PRE at Achicourt's (line 2127).

Quartiers d'été are funded through the call for projects ("1 MILLION D'EUROS (BOP 147 + QUARTIER ETÉ)",
lines 1403-1405): that programme is the call's `quartiers_ete` scheme, and its yearly figures are the
call's notified decisions in that scheme, computed where they are asked, never stored, so they cannot
drift from the programmation's."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.grants.errors import BrokenRules, RuleViolationError


class ProgrammeKind(StrEnum):
    TFPB_ABATEMENT = "tfpb_abatement"
    CITE_EDUCATIVE = "cite_educative"
    CITE_EMPLOI = "cite_emploi"
    REUSSITE_EDUCATIVE = "reussite_educative"
    ADULTES_RELAIS = "adultes_relais"
    QUARTIERS_ETE = "quartiers_ete"


class TfpbAxis(StrEnum):
    """The eight axes of the national framework for using the TFPB abatement in QPV (cadre national
    d'utilisation de l'abattement de TFPB, État / USH / landlords, 2015, renewed 2021)."""

    PRESENCE = "presence_personnel_proximite"
    TRAINING = "formation_soutien_personnels"
    EXTRA_MAINTENANCE = "sur_entretien"
    WASTE = "gestion_dechets_encombrants"
    TRANQUILLITY = "tranquillite_residentielle"
    TENANTS = "concertation_sensibilisation_locataires"
    SOCIAL_LIFE = "animation_lien_social"
    SMALL_WORKS = "petits_travaux_qualite_service"


class Measure(StrEnum):
    """What a programme counts in a year (beside its money)."""

    ACTIONS = "actions"
    YOUNG_PEOPLE_REACHED = "young_people_reached"
    PEOPLE_ACCOMPANIED = "people_accompanied"
    POSITIVE_EXITS = "positive_exits"
    CHILDREN_FOLLOWED = "children_followed"
    POSTS = "posts"
    APPLICATIONS = "applications"
    FUNDED_ACTIONS = "funded_actions"
    EXPECTED_BENEFICIARIES = "expected_beneficiaries"


MEASURES: dict[ProgrammeKind, frozenset[Measure]] = {
    ProgrammeKind.TFPB_ABATEMENT: frozenset({Measure.ACTIONS}),
    ProgrammeKind.CITE_EDUCATIVE: frozenset({Measure.ACTIONS, Measure.YOUNG_PEOPLE_REACHED}),
    ProgrammeKind.CITE_EMPLOI: frozenset({Measure.PEOPLE_ACCOMPANIED, Measure.POSITIVE_EXITS}),
    ProgrammeKind.REUSSITE_EDUCATIVE: frozenset({Measure.CHILDREN_FOLLOWED}),
    ProgrammeKind.ADULTES_RELAIS: frozenset({Measure.POSTS}),
    # Computed from the call: applications, funded actions, expected beneficiaries.
    ProgrammeKind.QUARTIERS_ETE: frozenset(),
}
# The call's scheme each programme funded through the call is (calls/domain.py's Scheme values).
CALL_SCHEMES: dict[ProgrammeKind, str] = {ProgrammeKind.QUARTIERS_ETE: "quartiers_ete"}


@dataclass(frozen=True, slots=True)
class Source:
    """Where figures come from: a document and its date."""

    document: str
    dated: date


@dataclass(frozen=True, slots=True)
class AxisFigures:
    """A TFPB plan's money and actions on one axis of the national framework (cents)."""

    axis: TfpbAxis
    planned_cents: int
    realised_cents: int | None = None
    actions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class YearFigures:
    """A programme's figures for one year. For a TFPB plan `amount_cents` is the abatement, and what was
    done is its axes: the realised amount is their sum, not a second figure."""

    year: int
    source: Source
    amount_cents: int | None = None
    realised_cents: int | None = None
    measures: tuple[tuple[Measure, int], ...] = ()
    axes: tuple[AxisFigures, ...] = ()
    fictitious: bool = False

    @property
    def realised(self) -> int | None:
        if self.axes:
            realised = [axis.realised_cents for axis in self.axes if axis.realised_cents is not None]
            return sum(realised) if realised else None
        return self.realised_cents

    @property
    def planned_on_axes(self) -> int | None:
        return sum(axis.planned_cents for axis in self.axes) if self.axes else None


@dataclass(frozen=True, slots=True)
class CallFigures:
    """A programme's year as its call answers it: the notified decisions of the call in its scheme."""

    year: int
    call_id: uuid.UUID
    scheme: str
    call_title: str
    notified_on: date
    applications: int
    funded_actions: int
    decided_cents: int
    expected_beneficiaries: int
    by_qpv: tuple[tuple[str, int, int], ...] = ()  # (QPV code or hors-QPV, applications, decided cents)

    @property
    def source(self) -> Source:
        return Source(f"{self.call_title} : décisions notifiées", self.notified_on)


@dataclass(frozen=True, slots=True)
class Programme:
    programme_id: uuid.UUID
    contract_code: str
    kind: ProgrammeKind
    nom: str
    qpv_codes: tuple[str, ...]
    start_year: int
    source: Source
    end_year: int | None = None
    landlord: str | None = None
    carrier: str | None = None
    scheme: str | None = None
    fictitious: bool = False
    version: int = 1

    @property
    def computed_from_call(self) -> bool:
        return self.kind in CALL_SCHEMES

    def runs_in(self, year: int) -> bool:
        return self.start_year <= year and (self.end_year is None or year <= self.end_year)


def check_period(name: str, year: int, start: int, end: int) -> None:
    """A year within the contract's period, as territories registers it (2024-2030 for the CUA's)."""
    if not start <= year <= end:
        raise RuleViolationError(
            name, "within-contract-period", f"{name} {year} is outside the contract's {start}-{end}"
        )


def check_programme(
    programme: Programme, contract_qpvs: Sequence[str], contract_years: tuple[int, int], call_schemes: Iterable[str]
) -> None:
    """Every rule a programme breaks, at once: its QPVs are the contract's, its years within the contract's,
    a TFPB plan is one landlord's on one QPV, a programme funded through the call is bound to the call's
    scheme (and only such a programme is)."""
    rules = BrokenRules()
    foreign = sorted(set(programme.qpv_codes) - set(contract_qpvs))
    with rules.checking():
        if foreign:
            raise RuleViolationError(
                "qpv_codes",
                "qpv-of-contract",
                f"QPV {', '.join(foreign)} not among the contract's QPV ({', '.join(contract_qpvs)})",
            )
    with rules.checking():
        check_period("start_year", programme.start_year, *contract_years)
    if programme.end_year is not None:
        with rules.checking():
            check_period("end_year", programme.end_year, *contract_years)
            if programme.end_year < programme.start_year:
                raise RuleViolationError("end_year", "after-start", "a programme cannot end before it starts")
    with rules.checking():
        _check_tfpb(programme)
    with rules.checking():
        _check_scheme(programme, set(call_schemes))
    rules.raise_any()


def _check_tfpb(programme: Programme) -> None:
    """A TFPB abatement plan is a landlord's, on one QPV (the abatement is granted per QPV, art. 1388 bis
    CGI); other programmes name their carrier, never a landlord."""
    if programme.kind is ProgrammeKind.TFPB_ABATEMENT:
        if not programme.landlord:
            raise RuleViolationError("landlord", "tfpb-landlord", "a TFPB abatement plan names its landlord")
        if len(programme.qpv_codes) != 1:
            raise RuleViolationError("qpv_codes", "tfpb-one-qpv", "a TFPB abatement plan is on exactly one QPV")
    elif programme.landlord is not None:
        raise RuleViolationError("landlord", "tfpb-landlord", "only a TFPB abatement plan names a landlord")


def _check_scheme(programme: Programme, call_schemes: set[str]) -> None:
    wanted = CALL_SCHEMES.get(programme.kind)
    if wanted is None:
        if programme.scheme is not None:
            raise RuleViolationError(
                "scheme", "bound-to-call-scheme", f"a {programme.kind.value} programme is not funded through the call"
            )
        return
    if programme.scheme != wanted:
        raise RuleViolationError(
            "scheme",
            "bound-to-call-scheme",
            f"a {programme.kind.value} programme is the call's scheme {wanted!r}: bind it with scheme={wanted!r}",
        )
    if wanted not in call_schemes:
        raise RuleViolationError(
            "scheme", "call-scheme-open", f"the contract has no call for projects in the scheme {wanted!r} yet"
        )


def check_year(programme: Programme, figures: YearFigures, contract_years: tuple[int, int]) -> None:
    """The figures of a year the programme runs in, within the contract; the measures its kind counts; axes
    only for a TFPB plan, whose realised amount is their sum; none for a programme computed from its call."""
    if programme.computed_from_call:
        raise RuleViolationError(
            "kind",
            "computed-from-call",
            f"a {programme.kind.value} programme's figures are its call's decisions: they are not declared",
        )
    rules = BrokenRules()
    with rules.checking():
        check_period("year", figures.year, *contract_years)
        if not programme.runs_in(figures.year):
            raise RuleViolationError("year", "programme-year", f"the programme does not run in {figures.year}")
    counted = [measure for measure, _ in figures.measures]
    for position, measure in enumerate(counted):
        with rules.checking():
            if counted.index(measure) != position:
                raise RuleViolationError(
                    f"measures/{position}/measure", "measure-once", f"{measure.value} is counted once a year"
                )
            if measure not in MEASURES[programme.kind]:
                allowed = ", ".join(sorted(MEASURES[programme.kind])) or "none"
                raise RuleViolationError(
                    f"measures/{position}/measure",
                    "measure-of-kind",
                    f"a {programme.kind.value} programme counts {allowed}, not {measure.value}",
                )
    with rules.checking():
        _check_axes(programme, figures)
    rules.raise_any()


def _check_axes(programme: Programme, figures: YearFigures) -> None:
    if programme.kind is not ProgrammeKind.TFPB_ABATEMENT:
        if figures.axes:
            raise RuleViolationError("axes", "tfpb-axes", "only a TFPB abatement plan has axes")
        return
    if figures.axes and figures.realised_cents is not None:
        raise RuleViolationError(
            "realised_amount", "computed-from-axes", "a TFPB plan's realised amount is the sum of its axes'"
        )
    seen = [axis.axis for axis in figures.axes]
    doubled = sorted({axis.value for axis in seen if seen.count(axis) > 1})
    if doubled:
        raise RuleViolationError("axes", "axis-once", f"each axis appears once: {', '.join(doubled)} repeated")


def call_measures(figures: CallFigures) -> tuple[tuple[Measure, int], ...]:
    return (
        (Measure.APPLICATIONS, figures.applications),
        (Measure.FUNDED_ACTIONS, figures.funded_actions),
        (Measure.EXPECTED_BENEFICIARIES, figures.expected_beneficiaries),
    )
