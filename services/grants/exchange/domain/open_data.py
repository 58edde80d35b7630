"""The contract's grants as open data: the SCDL « subventions » format (schema.data.gouv.fr, version
2.1.1), one row per financer's decided grant (décret 2017-779: grants above 23,000 € must be published;
we publish every decided one)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.grants.spreadsheet import Cell

SCDL_VERSION = "2.1.1"
SCDL_COLUMNS = (
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "rnaBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
    "dispositifAide",
)
OBJECT_LIMIT = 256


@dataclass(frozen=True, slots=True)
class DecidedGrant:
    attribuant: str
    attribuant_siret: str
    agreed_on: date
    reference: str | None
    beneficiary: str
    beneficiary_siret: str
    beneficiary_rna: str | None
    purpose: str
    amount_cents: int
    tranches: int
    paid_on: Sequence[date]
    scheme: str


def scdl_row(grant: DecidedGrant) -> list[Cell]:
    """Amounts with a dot, dates ISO; the payment period: the day paid, or first/last day of the payments
    (the date agreed while nothing is paid yet)."""
    days = sorted(grant.paid_on) or [grant.agreed_on]
    period = days[0].isoformat() if days[0] == days[-1] else f"{days[0].isoformat()}/{days[-1].isoformat()}"
    return [
        grant.attribuant,
        grant.attribuant_siret,
        grant.agreed_on,
        grant.reference,
        grant.beneficiary,
        grant.beneficiary_siret,
        grant.beneficiary_rna,
        grant.purpose[:OBJECT_LIMIT],
        Decimal(grant.amount_cents).scaleb(-2),
        "aide en numéraire",
        "échelonné" if grant.tranches > 1 else "unique",
        period,
        None,
        "non",
        Decimal("1"),
        grant.scheme,
    ]
