"""The wire types several features of grants share: field types (contract codes, titles, money, long
texts, counts, CERFA accounts), the beneficiaries an application expects and a report counts, and a line of
the programmation's totals, money read from the wire, and the one mapping of a domain record to the wire. A
feature's own types are in its schemas.py."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import Field, StrictInt, StringConstraints, model_validator

from kit.api_models import CONTRACT_CODE_PATTERN, ApiInput, ApiModel
from kit.money import euros, parse_cents
from services.grants.errors import RuleViolationError

ContractCode = Annotated[str, StringConstraints(pattern=CONTRACT_CODE_PATTERN)]
Title = Annotated[str, StringConstraints(min_length=3, max_length=300, strip_whitespace=True)]
Money = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=5000, strip_whitespace=True)]
# A Chorus number (engagement juridique, demande de paiement) as Chorus writes it.
ChorusNumber = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9_+/-]{0,29}$")]
Count = Annotated[StrictInt, Field(ge=0, le=10_000_000)]
BudgetAccount = Literal[
    "60", "61", "62", "63", "64", "65", "66", "67", "68", "indirect",
    "70", "71", "72", "73", "74", "75", "76", "77", "78", "own_funds", "86", "87",
]  # fmt: skip


class BeneficiariesModel(ApiInput):
    total: Count | None = None
    women: Count | None = None
    men: Count | None = None
    age_bands: dict[Annotated[str, StringConstraints(pattern=r"^[0-9]{1,2}-[0-9]{1,3}$|^[0-9]{1,2}\+$")], Count] = (
        Field(default_factory=dict, max_length=20, description='e.g. {"0-5": 10, "6-11": 25, "60+": 5}')
    )
    share_in_qpv_percent: int | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _parts_within_total(self) -> BeneficiariesModel:
        if self.total is not None and (self.women or 0) + (self.men or 0) > self.total:
            raise ValueError("women + men exceed the total")
        return self


class BeneficiariesRead(ApiModel):
    """Beneficiaries as an application expects them or an activity report counts them."""

    total: int | None = None
    women: int | None = None
    men: int | None = None
    age_bands: dict[str, int] = Field(default_factory=dict, description='e.g. {"0-5": 10, "60+": 5}')
    share_in_qpv_percent: int | None = Field(default=None, description="Declared share living in a QPV")


class TotalRead(ApiModel):
    key: str | None = Field(
        description="Financer code, pillar, ambition, P147 theme, year, QPV code (or hors-QPV), operator profile"
    )
    applications: int
    requested: str
    proposed: str
    decided: str
    funded_actions: int = Field(
        description="Applications with a decided amount above 0 (for a financer: its own decided amount)"
    )

    @classmethod
    def of(
        cls, key: str | None, applications: int, requested: int, proposed: int, decided: int, funded: int
    ) -> TotalRead:
        """From the figures of one key, amounts in cents."""
        return cls(
            key=key,
            applications=applications,
            requested=euros(requested),
            proposed=euros(proposed),
            decided=euros(decided),
            funded_actions=funded,
        )

    @classmethod
    def each(cls, totals: Iterable[tuple[str | None, int, int, int, int, int]]) -> list[TotalRead]:
        return [cls.of(*total) for total in totals]


def cents_of(text: str, field: str) -> int:
    """Money as the wire writes it ('1500', '1500.5' or '1500.50') in cents; anything else is refused naming
    the field."""
    cents = parse_cents(text)
    if cents is None:
        raise RuleViolationError(field, "amount-format", f"{field} must be euros with at most 2 decimals, e.g. 1500.00")
    return cents
