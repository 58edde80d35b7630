"""A year of a contract's connected programmes summed by kind and by QPV, for the annual review ("Les
cités éducatives et de l'emploi et les plans d'action TFPB", the contract, ../shared/seeds/002…txt, line
1359; "Présentation par les bailleurs sociaux des actions engagés en rapport avec l'abattement TFPB", line
2192): sums of what each programme says, nothing estimated, money never split between QPVs."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from services.grants.programmes.domain.programme import (
    CallFigures,
    Measure,
    Programme,
    ProgrammeKind,
    YearFigures,
    call_measures,
)


@dataclass(frozen=True, slots=True)
class Cited:
    """Where one programme's figures of the year come from (its year's source, or its call's)."""

    programme_id: uuid.UUID
    nom: str
    document: str
    dated: date
    fictitious: bool


@dataclass(frozen=True, slots=True)
class KindSummary:
    """A year's programmes of one kind: their money (None when none of them gives any), what they count."""

    kind: ProgrammeKind
    programmes: int
    with_figures: int
    amount_cents: int | None
    realised_cents: int | None
    measures: tuple[tuple[Measure, int], ...]
    fictitious: bool
    sources: tuple[Cited, ...]


@dataclass(frozen=True, slots=True)
class QpvSummary:
    """A year's programmes of one kind on one QPV. The money is that of the programmes on this QPV alone
    (a programme on several QPV is counted in `shared_programmes`, its money never split); for a programme
    computed from its call, the call's decisions for the actions serving the QPV, as the programmation's
    totals count them."""

    qpv_code: str
    kind: ProgrammeKind
    programmes: int
    shared_programmes: int
    amount_cents: int | None


@dataclass(frozen=True, slots=True)
class YearSummary:
    contract_code: str
    year: int
    by_kind: tuple[KindSummary, ...]
    by_qpv: tuple[QpvSummary, ...]


def _add(total: int | None, value: int | None) -> int | None:
    if value is None:
        return total
    return value if total is None else total + value


@dataclass
class _Tally:
    programmes: int = 0
    with_figures: int = 0
    amount: int | None = None
    realised: int | None = None
    fictitious: bool = False
    shared: int = 0
    measures: dict[Measure, int] = field(default_factory=dict)
    sources: list[Cited] = field(default_factory=list)

    def count(self, measures: Iterable[tuple[Measure, int]]) -> None:
        for measure, value in measures:
            self.measures[measure] = self.measures.get(measure, 0) + value


def summarise(
    contract_code: str,
    year: int,
    declared: Sequence[tuple[Programme, YearFigures | None]],
    computed: Sequence[tuple[Programme, CallFigures | None]],
) -> YearSummary:
    """The year's programmes by kind and by QPV: sums of the figures each gives, nothing estimated."""
    kinds: dict[ProgrammeKind, _Tally] = {}
    qpvs: dict[tuple[str, ProgrammeKind], _Tally] = {}
    for programme, figures in declared:
        tally = kinds.setdefault(programme.kind, _Tally())
        tally.programmes += 1
        alone = len(programme.qpv_codes) == 1
        for code in programme.qpv_codes:
            place = qpvs.setdefault((code, programme.kind), _Tally())
            place.programmes += 1
            place.shared += 0 if alone else 1
            if alone and figures is not None:
                place.amount = _add(place.amount, figures.amount_cents)
        if figures is None:
            continue
        tally.with_figures += 1
        tally.sources.append(
            Cited(
                programme.programme_id, programme.nom, figures.source.document, figures.source.dated, figures.fictitious
            )
        )
        tally.amount = _add(tally.amount, figures.amount_cents)
        tally.realised = _add(tally.realised, figures.realised)
        tally.fictitious = tally.fictitious or figures.fictitious
        tally.count(figures.measures)
    for programme, called in computed:
        tally = kinds.setdefault(programme.kind, _Tally())
        tally.programmes += 1
        if called is None:
            continue
        tally.with_figures += 1
        source = called.source
        tally.sources.append(Cited(programme.programme_id, programme.nom, source.document, source.dated, False))
        tally.amount = _add(tally.amount, called.decided_cents)
        tally.count(call_measures(called))
        for code, _, decided in called.by_qpv:
            place = qpvs.setdefault((code, programme.kind), _Tally())
            place.programmes += 1
            place.amount = _add(place.amount, decided)
    return YearSummary(
        contract_code=contract_code,
        year=year,
        by_kind=tuple(
            KindSummary(
                kind,
                tally.programmes,
                tally.with_figures,
                tally.amount,
                tally.realised,
                tuple(sorted(tally.measures.items())),
                tally.fictitious,
                tuple(tally.sources),
            )
            for kind, tally in sorted(kinds.items())
        ),
        by_qpv=tuple(
            QpvSummary(code, kind, tally.programmes, tally.shared, tally.amount)
            for (code, kind), tally in sorted(qpvs.items())
        ),
    )
