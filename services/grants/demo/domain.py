"""The CUA's demo programmation of 2024 and 2025, generated with a fixed seed: what is real and what is not.

Real (the contract « Cœur de Quartier », ../shared/seeds/002_5977faef0ce805e9.txt, copied in the data
README): the State's P147 plus Quartiers d'été envelope, « 1 MILLION D'EUROS (BOP 147 + QUARTIER ETÉ) »
(l. 1403-1405), decided in full each year; « 90 actions » a year, « 30 % » of them new (l. 1415); the CPO
share above 50 % (l. 1399); at most 2.5 % of the P147 outside QPV (l. 190, 847); the six QPVs and the
financers the contract names. Everything else is fictitious and says so: operators, titles, amounts by
financer, budgets, acts, dates, beneficiaries, payments, reports and CPO indicators."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date

from services.grants.operators.domain import luhn_valid

NAMESPACE = uuid.UUID("0b7d6c5e-4a3f-4e21-9c8d-7f6e5d4c3b2a")
SEED = 20240123  # the comité de pilotage that validated the cartography (l. 839)
YEARS = (2024, 2025)
ACTIONS_PER_YEAR = 90  # l. 1415
NEW_2025 = 27  # 30 % of 90 (l. 1415)
CPO_ACTIONS = 48  # 53 % of the actions under a CPO (target > 50 %, l. 1399)
STATE_ENVELOPE_CENTS = 1_000_000_00  # « 1 MILLION D'EUROS (BOP 147 + QUARTIER ETÉ) », l. 1403-1405
OUTSIDE_QPV_CENTS = 10_000_00  # per action outside QPV: 2 × 10 000 € = 2 % of P147 (cap 2.5 %, l. 190, 847)
OPERATORS = 40
FICTITIOUS = "DONNÉES DE DÉMONSTRATION FICTIVES"

# The QPVs and the communes (INSEE) they lie in; the commune's financer code (cua_institutions.json).
QPV_COMMUNES = {
    "QN06258M": ("62004",),
    "QN06259M": ("62041",),
    "QN06260M": ("62041",),
    "QN06261M": ("62041",),
    "QN06262M": ("62041", "62004"),
    "QN06263M": ("62753", "62764"),
}
COMMUNE_FINANCERS = {"62041": "arras", "62004": "achicourt", "62753": "saint-laurent-blangy", "62764": "saint-nicolas"}
# How often a co-financer funds an action, and its range in euros (fictitious).
CO_FINANCERS = {"cua": (0.5, 2_000, 9_000), "caf-62": (0.25, 2_000, 8_000), "departement-62": (0.2, 2_000, 10_000)}
THEMES = (
    "Atelier d'insertion",
    "Accompagnement vers l'emploi",
    "Soutien scolaire",
    "Médiation sociale",
    "Sport et citoyenneté",
    "Santé de proximité",
    "Accès aux droits",
    "Culture dans le quartier",
    "Parentalité",
    "Jardin partagé",
)


def fictitious_siret(number: int) -> str:
    """A SIRET with valid SIREN and SIRET Luhn keys, distinct per number (no real establishment checked)."""
    base = f"{number:08d}"
    siren = next(base + str(key) for key in range(10) if luhn_valid(base + str(key)))
    establishment = f"{number % 9999:04d}"
    return next(siren + establishment + str(key) for key in range(10) if luhn_valid(siren + establishment + str(key)))


def demo_id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(part) for part in parts))


@dataclass(frozen=True, slots=True)
class DemoOperator:
    number: int
    nom: str
    siret: str
    code_commune: str

    @property
    def operator_id(self) -> uuid.UUID:
        return demo_id("operator", self.number)


@dataclass(frozen=True, slots=True)
class DemoLine:
    """One financer's line: requested, then proposed and decided (cents)."""

    financer: str
    requested_cents: int
    decided_cents: int


@dataclass(slots=True)
class DemoApplication:
    action: int  # the action's number: one action, one application a year
    year: int
    operator: int
    title: str
    summer: bool
    qpv_codes: tuple[str, ...]
    objective: int  # index into the operational objectives
    cpo: bool
    renewal: bool
    beneficiaries: dict[str, int]
    lines: list[DemoLine] = field(default_factory=list)

    @property
    def application_id(self) -> uuid.UUID:
        return demo_id("application", self.action, self.year)

    @property
    def action_id(self) -> uuid.UUID:
        return demo_id("action", self.action)

    @property
    def communes(self) -> tuple[str, ...]:
        return tuple(sorted({commune for qpv in self.qpv_codes for commune in QPV_COMMUNES[qpv]}))

    @property
    def serves_no_qpv(self) -> bool:
        return not self.qpv_codes

    @property
    def decided_cents(self) -> int:
        return sum(line.decided_cents for line in self.lines)


def operators() -> list[DemoOperator]:
    communes = sorted(COMMUNE_FINANCERS)
    return [
        DemoOperator(
            number,
            f"Association fictive de démonstration n° {number + 1:02d}",
            fictitious_siret(90_000 + number),
            communes[number % len(communes)],
        )
        for number in range(OPERATORS)
    ]


def _euros(rng: random.Random, low: int, high: int) -> int:
    return rng.randrange(low // 100, high // 100 + 1) * 100_00


def _split(total_cents: int, weights: list[int]) -> list[int]:
    """`total_cents` shared by weights in whole hundreds of euros, the remainder on the last share."""
    whole = sum(weights)
    shares = [total_cents * weight // whole // 100_00 * 100_00 for weight in weights]
    shares[-1] += total_cents - sum(shares)
    return shares


def _application(rng: random.Random, action: int, year: int, renewal: bool) -> DemoApplication:
    outside = (action, year) in {(17, 2024), (61, 2024), (17, 2025), (95, 2025)}
    qpvs = sorted(QPV_COMMUNES)
    served = () if outside else tuple(sorted({qpvs[action % 6], qpvs[(action * 7 + 1) % 6]}))
    total = rng.randrange(20, 240)
    women = total * rng.randrange(45, 62) // 100
    return DemoApplication(
        action=action,
        year=year,
        operator=action % OPERATORS,
        title=f"{THEMES[action % len(THEMES)]} — action fictive de démonstration n° {action + 1}",
        summer=action >= CPO_ACTIONS and action % 4 == 3,
        qpv_codes=served,
        objective=action * 7,
        cpo=action < CPO_ACTIONS,
        renewal=renewal,
        beneficiaries={
            "total": total,
            "women": women,
            "men": total - women,
            "share_in_qpv_percent": rng.randrange(20, 60) if outside else rng.randrange(60, 96),
        },
    )


def _finance(rng: random.Random, applications: list[DemoApplication]) -> None:
    """The State's envelope shared by weight (outside QPV a fixed small share), then the co-financers."""
    inside = [item for item in applications if not item.serves_no_qpv]
    outside = [item for item in applications if item.serves_no_qpv]
    weights = [rng.randrange(40, 220) * (2 if item.cpo else 1) for item in inside]
    state = _split(STATE_ENVELOPE_CENTS - OUTSIDE_QPV_CENTS * len(outside), weights)
    amounts = dict(zip([item.action for item in inside], state, strict=True))
    for item in applications:
        p147 = amounts.get(item.action, OUTSIDE_QPV_CENTS)
        item.lines.append(DemoLine("etat-p147", p147 + (p147 // 10 // 100_00 * 100_00 if item.action % 4 else 0), p147))
        for code, (chance, low, high) in CO_FINANCERS.items():
            if rng.random() < chance:
                decided = _euros(rng, low, high)
                item.lines.append(DemoLine(code, decided + (50_000 if item.action % 5 == 0 else 0), decided))
        if item.communes and rng.random() < 0.6:
            decided = _euros(rng, 1_000, 6_000)
            item.lines.append(DemoLine(COMMUNE_FINANCERS[rng.choice(item.communes)], decided, decided))


def programmation() -> list[DemoApplication]:
    """The 2024 actions (0-89), then 2025: 63 of them renewed (the 48 under CPO among them) and 27 new."""
    rng = random.Random(SEED)  # noqa: S311 — demo figures, reproducible on purpose
    first = [_application(rng, action, 2024, renewal=False) for action in range(ACTIONS_PER_YEAR)]
    renewed = range(ACTIONS_PER_YEAR - NEW_2025)
    second = [_application(rng, action, 2025, renewal=True) for action in renewed] + [
        _application(rng, action, 2025, renewal=False) for action in range(90, 90 + NEW_2025)
    ]
    _finance(rng, first)
    _finance(rng, second)
    return first + second


def reached(application: DemoApplication) -> dict[str, int]:
    """The beneficiaries a 2024 activity report counts: 80 % to 110 % of those expected (fictitious)."""
    rng = random.Random(f"{SEED}/{application.action}")  # noqa: S311 — demo figures
    total = application.beneficiaries["total"] * rng.randrange(80, 111) // 100
    women = total * application.beneficiaries["women"] // max(application.beneficiaries["total"], 1)
    return {
        "total": total,
        "women": women,
        "men": total - women,
        "share_in_qpv_percent": application.beneficiaries["share_in_qpv_percent"],
    }


def reported(application: DemoApplication) -> bool:
    """Which 2024 actions have sent their activity report (five in six)."""
    return application.year == 2024 and application.action % 6 != 5


DECISION_DATES = {2024: date(2024, 3, 15), 2025: date(2025, 3, 14)}
NOTIFIED_ON = {2024: date(2024, 4, 2), 2025: date(2025, 4, 1)}
SUMMER_NOTIFIED_ON = {2024: date(2024, 6, 14), 2025: date(2025, 6, 13)}
