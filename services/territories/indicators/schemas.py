"""The indicators on the wire: the catalogue, values with their provenance, comparisons, the CSV import."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel, plain_decimal
from services.territories.indicators.domain import Comparison, GenericColumns, IndicatorDefinition, IndicatorValue
from services.territories.schemas import ExactDecimal, LongText, ShortText

# The exchange format's columns, spelled as the API spells its fields.
GENERIC_CSV = GenericColumns(
    indicator="indicator",
    territory_kind="territoryKind",
    territory="territory",
    perimeter="perimeter",
    year="year",
    value="value",
    unit="unit",
    source="source",
    note="note",
)
_HEADER = (
    GENERIC_CSV.indicator,
    GENERIC_CSV.territory_kind,
    GENERIC_CSV.territory,
    GENERIC_CSV.perimeter,
    GENERIC_CSV.year,
    GENERIC_CSV.value,
    GENERIC_CSV.source,
    GENERIC_CSV.note,
)
CSV_BODY = {
    "required": True,
    "content": {
        "text/csv": {
            "schema": {
                "type": "string",
                "description": f"Header {','.join(_HEADER)}"
                " (',' or ';'; unit optional, checked against the catalogue; value may be nd, ns, s, so)",
            }
        }
    },
}


class IndicatorRead(ApiModel):
    code: str
    label: str
    unit: str
    definition: str
    source: str


class IndicatorWrite(ApiInput):
    label: ShortText
    unit: Annotated[str, StringConstraints(min_length=1, max_length=60, strip_whitespace=True)]
    definition: LongText
    source: ShortText

    def definition_of(self, code: str) -> IndicatorDefinition:
        return IndicatorDefinition(code, self.label, self.unit, self.definition, self.source)


class IndicatorValueRead(ApiModel):
    id: uuid.UUID
    indicator: str
    territory_kind: Literal["qpv", "commune", "epci", "qpv-national-average", "france"]
    territory_code: str | None = Field(description="QPV, commune or EPCI code; ENSQP (all QPV); FR")
    qpv_id: uuid.UUID | None = Field(description="The QPV record, also for records without a code")
    territory_label: str = Field(description="The territory as the source names it")
    perimeter: str | None = Field(description="Generation whose perimeter the value was measured on")
    year: int | None = Field(description="Vintage; null when the source does not state it")
    value: ExactDecimal | None
    secret: Literal["nd", "ns", "s", "so"] | None = Field(description="INSEE marker when no value is published")
    source: str
    source_reference: str
    note: str | None = Field(description="What the source says about this value (inconsistencies included)")

    @classmethod
    def of(cls, value: IndicatorValue) -> IndicatorValueRead:
        figure = value.figure
        return cls.model_validate(
            {
                "id": value.value_id,
                "indicator": value.indicator,
                "territoryKind": value.territory.kind.value,
                "territoryCode": value.territory.code,
                "qpvId": value.territory.qpv_id,
                "territoryLabel": value.territory_label,
                "perimeter": figure.perimeter,
                "year": figure.year,
                "value": None if figure.value is None else plain_decimal(figure.value),
                "secret": figure.secret,
                "source": figure.source,
                "sourceReference": value.source_reference,
                "note": figure.note,
            }
        )


class ComparedQpv(ApiModel):
    id: uuid.UUID
    code: str | None
    nom: str
    generation: str


class IndicatorComparisonRead(ApiModel):
    indicator: IndicatorRead
    qpv: ComparedQpv
    series: list[IndicatorValueRead] = Field(
        description="The QPV's values and its predecessors' (each says the perimeter it was measured on)"
    )
    code_epci: str | None
    epci: list[IndicatorValueRead]
    qpv_national_average: list[IndicatorValueRead]
    france: list[IndicatorValueRead]

    @classmethod
    def of(cls, comparison: Comparison) -> IndicatorComparisonRead:
        qpv = comparison.qpv
        return cls(
            indicator=IndicatorRead.model_validate(comparison.indicator, from_attributes=True),
            qpv=ComparedQpv(id=qpv.qpv_id, code=qpv.code, nom=qpv.nom, generation=qpv.generation),
            series=[IndicatorValueRead.of(value) for value in comparison.series],
            code_epci=comparison.code_epci,
            epci=[IndicatorValueRead.of(value) for value in comparison.epci],
            qpv_national_average=[IndicatorValueRead.of(value) for value in comparison.qpv_national_average],
            france=[IndicatorValueRead.of(value) for value in comparison.france],
        )
