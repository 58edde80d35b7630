"""The connected programmes' wire: money in exact euros ("142000.00"), counts as integers; and how a
programme, its years and a year's totals are answered."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel
from kit.money import euros
from services.grants.calls.domain import Scheme
from services.grants.programmes.domain.programme import (
    CallFigures,
    Measure,
    ProgrammeKind,
    TfpbAxis,
    YearFigures,
    call_measures,
)
from services.grants.programmes.domain.summary import YearSummary
from services.grants.programmes.use_cases import ProgrammeView
from services.grants.schemas import ContractCode, Count, Money, Title

QpvCode = Annotated[str, StringConstraints(pattern=r"^Q[A-Z0-9]{5,9}$")]
Year = Annotated[int, Field(ge=2000, le=2100)]


class SourceModel(ApiInput):
    document: Title = Field(description="The document the figures come from, e.g. the landlord's yearly review")
    date: datetime.date


class SourceRead(ApiModel):
    document: str
    date: datetime.date


class MeasureModel(ApiInput):
    measure: Measure
    value: Count


class MeasureRead(ApiModel):
    measure: Measure
    value: int


class AxisModel(ApiInput):
    axis: TfpbAxis
    planned: Money = Field(description="Euros the plan puts on this axis")
    realised: Money | None = Field(default=None, description="Euros realised on this axis, once known")
    actions: list[Title] = Field(default_factory=list, max_length=50)


class AxisRead(ApiModel):
    axis: TfpbAxis
    planned: str
    realised: str | None
    actions: list[str]


class ProgrammeYearPut(ApiInput):
    amount: Money | None = Field(
        default=None, description="Euros of the year: a TFPB plan's abatement; another programme's budget"
    )
    realised_amount: Money | None = Field(
        default=None, description="Euros realised (a TFPB plan's is the sum of its axes': not given)"
    )
    measures: list[MeasureModel] = Field(default_factory=list, max_length=10)
    axes: list[AxisModel] = Field(default_factory=list, max_length=8, description="A TFPB plan's actions by axis")
    source: SourceModel
    fictitious: bool = Field(default=False, description="Demo data: figures that are not real")


class ComputedFromRead(ApiModel):
    """Where a year computed from the call is read: the programmation's totals of the call's scheme."""

    call_id: uuid.UUID
    scheme: Scheme
    state: Literal["notified"] = "notified"


class QpvShareRead(ApiModel):
    qpv_code: str = Field(description="A QPV code, or hors-QPV")
    applications: int
    decided: str


class ProgrammeYearRead(ApiModel):
    year: int
    amount: str | None
    realised_amount: str | None
    planned_on_axes: str | None = Field(description="A TFPB plan: the sum of its axes' planned euros")
    measures: list[MeasureRead]
    axes: list[AxisRead]
    source: SourceRead
    fictitious: bool
    computed_from: ComputedFromRead | None = Field(
        description="Quartiers d'été: the year is the call's notified decisions in its scheme, computed on reading"
    )
    by_qpv: list[QpvShareRead] = Field(description="Computed years only: the call's decisions by QPV served")


class ProgrammeRead(ApiModel):
    id: uuid.UUID
    contract_code: str
    kind: ProgrammeKind
    nom: str
    qpv_codes: list[str]
    start_year: int
    end_year: int | None
    landlord: str | None = Field(description="A TFPB plan's social landlord (an organisation)")
    carrier: str | None = Field(description="The organisation carrying another programme")
    scheme: Scheme | None = Field(description="The call's scheme a programme funded through the call is")
    source: SourceRead
    fictitious: bool
    version: int
    years: list[ProgrammeYearRead]


class ProgrammeCreate(ApiInput):
    contract_code: ContractCode
    kind: ProgrammeKind
    nom: Title
    qpv_codes: list[QpvCode] = Field(min_length=1, max_length=20)
    start_year: Year
    end_year: Year | None = None
    landlord: Title | None = Field(default=None, description="Required for a TFPB plan, refused otherwise")
    carrier: Title | None = None
    scheme: Scheme | None = Field(default=None, description="Required for Quartiers d'été: quartiers_ete")
    source: SourceModel
    fictitious: bool = Field(default=False, description="Demo data")


class ProgrammeUpdate(ApiInput):
    nom: Title | None = None
    qpv_codes: list[QpvCode] | None = Field(default=None, min_length=1, max_length=20)
    start_year: Year | None = None
    end_year: Year | None = None
    landlord: Title | None = None
    carrier: Title | None = None
    source: SourceModel | None = None


class CitedRead(ApiModel):
    """Where one programme's figures of the year come from."""

    programme_id: uuid.UUID
    nom: str
    document: str
    date: datetime.date
    fictitious: bool


class KindSummaryRead(ApiModel):
    kind: ProgrammeKind
    programmes: int = Field(description="Programmes of the kind running in the year")
    with_figures: int = Field(description="Of them, those with figures for the year")
    amount: str | None = Field(description="Sum of their euros of the year (a TFPB plan's: the abatement)")
    realised_amount: str | None
    measures: list[MeasureRead]
    fictitious: bool = Field(description="Some of these figures are demo data")
    sources: list[CitedRead] = Field(description="Each programme with figures: its year's source (or its call)")


class QpvSummaryRead(ApiModel):
    qpv_code: str
    kind: ProgrammeKind
    programmes: int
    shared_programmes: int = Field(description="Programmes also on other QPV: their euros are not split")
    amount: str | None = Field(
        description="Euros of the programmes on this QPV alone; Quartiers d'été: the call's decisions for the "
        "actions serving it (an action serving two QPV counts in each, as the programmation's totals)"
    )


class ProgrammeSummaryRead(ApiModel):
    contract_code: str
    year: int
    by_kind: list[KindSummaryRead]
    by_qpv: list[QpvSummaryRead]


def _money(cents: int | None) -> str | None:
    return None if cents is None else euros(cents)


def _measures(measures: tuple[tuple[Measure, int], ...]) -> list[MeasureRead]:
    return [MeasureRead(measure=measure, value=value) for measure, value in measures]


def _declared(figures: YearFigures) -> ProgrammeYearRead:
    return ProgrammeYearRead(
        year=figures.year,
        amount=_money(figures.amount_cents),
        realised_amount=_money(figures.realised),
        planned_on_axes=_money(figures.planned_on_axes),
        measures=_measures(figures.measures),
        axes=[
            AxisRead(
                axis=axis.axis,
                planned=euros(axis.planned_cents),
                realised=_money(axis.realised_cents),
                actions=list(axis.actions),
            )
            for axis in figures.axes
        ],
        source=SourceRead(document=figures.source.document, date=figures.source.dated),
        fictitious=figures.fictitious,
        computed_from=None,
        by_qpv=[],
    )


def _computed(figures: CallFigures) -> ProgrammeYearRead:
    return ProgrammeYearRead(
        year=figures.year,
        amount=euros(figures.decided_cents),
        realised_amount=None,
        planned_on_axes=None,
        measures=_measures(call_measures(figures)),
        axes=[],
        source=SourceRead(document=figures.source.document, date=figures.source.dated),
        fictitious=False,
        computed_from=ComputedFromRead(call_id=figures.call_id, scheme=Scheme(figures.scheme)),
        by_qpv=[
            QpvShareRead(qpv_code=code, applications=applications, decided=euros(decided))
            for code, applications, decided in figures.by_qpv
        ],
    )


def programme_read(view: ProgrammeView) -> ProgrammeRead:
    programme = view.programme
    years = [_declared(item) for item in view.declared] + [_computed(item) for item in view.computed]
    return ProgrammeRead(
        id=programme.programme_id,
        contract_code=programme.contract_code,
        kind=programme.kind,
        nom=programme.nom,
        qpv_codes=list(programme.qpv_codes),
        start_year=programme.start_year,
        end_year=programme.end_year,
        landlord=programme.landlord,
        carrier=programme.carrier,
        scheme=None if programme.scheme is None else Scheme(programme.scheme),
        source=SourceRead(document=programme.source.document, date=programme.source.dated),
        fictitious=programme.fictitious,
        version=programme.version,
        years=sorted(years, key=lambda item: item.year),
    )


def summary_read(summary: YearSummary) -> ProgrammeSummaryRead:
    return ProgrammeSummaryRead(
        contract_code=summary.contract_code,
        year=summary.year,
        by_kind=[
            KindSummaryRead(
                kind=item.kind,
                programmes=item.programmes,
                with_figures=item.with_figures,
                amount=_money(item.amount_cents),
                realised_amount=_money(item.realised_cents),
                measures=_measures(item.measures),
                fictitious=item.fictitious,
                sources=[
                    CitedRead(
                        programme_id=cited.programme_id,
                        nom=cited.nom,
                        document=cited.document,
                        date=cited.dated,
                        fictitious=cited.fictitious,
                    )
                    for cited in item.sources
                ],
            )
            for item in summary.by_kind
        ],
        by_qpv=[
            QpvSummaryRead(
                qpv_code=item.qpv_code,
                kind=item.kind,
                programmes=item.programmes,
                shared_programmes=item.shared_programmes,
                amount=_money(item.amount_cents),
            )
            for item in summary.by_qpv
        ],
    )
