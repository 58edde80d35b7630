"""The CERFA 12156 budget of an application's action, in its accounts, and the rules of its balance.

Budget lines are whole euros ("ne pas indiquer les centimes d'euros", CERFA 12156*06), kept in integer
cents. A draft may be unbalanced; the balance is checked at submission, every rule at once."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from services.grants.errors import RulesBrokenError, RuleViolationError, raise_broken, spaced

# The CERFA 12156*06 budget of the action: charges 60-68 and indirect charges, products 70-78 and own
# funds, voluntary contributions in kind as uses (86) and resources (87).
CHARGE_ACCOUNTS = frozenset({"60", "61", "62", "63", "64", "65", "66", "67", "68", "indirect"})
PRODUCT_ACCOUNTS = frozenset({"70", "71", "72", "73", "74", "75", "76", "77", "78", "own_funds"})
IN_KIND_USES, IN_KIND_RESOURCES = "86", "87"
ACCOUNTS = CHARGE_ACCOUNTS | PRODUCT_ACCOUNTS | {IN_KIND_USES, IN_KIND_RESOURCES}
GRANTS_ACCOUNT = "74"  # subventions d'exploitation: each line names the financer it is asked of


@dataclass(frozen=True, slots=True)
class BudgetLine:
    account: str
    label: str
    amount_cents: int
    institution_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class BudgetTotals:
    charges_cents: int
    products_cents: int
    in_kind_uses_cents: int
    in_kind_resources_cents: int

    @property
    def balanced(self) -> bool:
        return not self.imbalances()

    def imbalances(self) -> list[RuleViolationError]:
        """ "Le total des charges doit être égal au total des produits" (CERFA 12156), and the contributions in
        kind as used (86) as given (87); a budget without charges balances nothing."""
        charges, products = self.charges_cents, self.products_cents
        broken = []
        if charges == 0:
            broken.append(RuleViolationError("lines", "charges-required", "the budget has no charge"))
        if charges != products:
            broken.append(
                RuleViolationError(
                    "lines",
                    "balanced-budget",
                    f"total charges {spaced(charges)} ≠ total products {spaced(products)}"
                    f" (gap {spaced(charges - products)})",
                )
            )
        if self.in_kind_uses_cents != self.in_kind_resources_cents:
            broken.append(
                RuleViolationError(
                    "lines",
                    "in-kind-balanced",
                    f"in-kind uses (86) {spaced(self.in_kind_uses_cents)}"
                    f" ≠ in-kind resources (87) {spaced(self.in_kind_resources_cents)}",
                )
            )
        return broken


def totals_of(lines: Iterable[BudgetLine]) -> BudgetTotals:
    sums: dict[str, int] = defaultdict(int)
    for line in lines:
        sums[line.account] += line.amount_cents
    return BudgetTotals(
        charges_cents=sum(sums[account] for account in CHARGE_ACCOUNTS),
        products_cents=sum(sums[account] for account in PRODUCT_ACCOUNTS),
        in_kind_uses_cents=sums[IN_KIND_USES],
        in_kind_resources_cents=sums[IN_KIND_RESOURCES],
    )


def check_budget_lines(lines: Iterable[BudgetLine], institutions: Mapping[uuid.UUID, str]) -> None:
    """What a draft budget must already respect (the balance is checked at submission): every line's rules,
    all broken ones at once."""
    broken = []
    for position, line in enumerate(lines):
        where = f"lines/{position}"
        if line.account not in ACCOUNTS:
            broken.append(
                RuleViolationError(f"{where}/account", "cerfa-account", f"account must be one of {sorted(ACCOUNTS)}")
            )
        if line.amount_cents < 0 or line.amount_cents % 100:
            broken.append(
                RuleViolationError(f"{where}/amount", "whole-euros", "budget amounts are whole euros ≥ 0 (CERFA)")
            )
        broken += financer_broken(where, line.account, line.institution_id, institutions)
    raise_broken(broken)


def financer_broken(
    where: str, account: str, institution_id: uuid.UUID | None, institutions: Mapping[uuid.UUID, str]
) -> list[RuleViolationError]:
    """A 74 line (grants) names its financer, one of the contract's; no other line names one."""
    financer = f"{where}/institution_id"
    if account == GRANTS_ACCOUNT and institution_id is None:
        return [RuleViolationError(financer, "financer-required", "a 74 line names its financer")]
    if account == GRANTS_ACCOUNT and institution_id not in institutions:
        return [
            RuleViolationError(financer, "financer-of-contract", "the financer is not an institution of the contract")
        ]
    if account != GRANTS_ACCOUNT and institution_id is not None:
        return [RuleViolationError(financer, "financer-on-74", "only 74 lines name a financer")]
    return []


def requested_by_financer(lines: Iterable[BudgetLine]) -> dict[uuid.UUID, int]:
    """What each financer is asked: its 74 lines (Dauphin's financing lines are the budget's 74 sub-lines)."""
    requested: dict[uuid.UUID, int] = defaultdict(int)
    for line in lines:
        if line.account == GRANTS_ACCOUNT and line.institution_id is not None:
            requested[line.institution_id] += line.amount_cents
    return dict(requested)


def check_submission(lines: Sequence[BudgetLine]) -> None:
    """The CERFA's balance rules and a financer asked, all checked, each broken one named with its figures."""
    broken = totals_of(lines).imbalances()
    if not requested_by_financer(lines):
        broken.append(RuleViolationError("lines", "financer-requested", "no amount is requested from a financer (74)"))
    if broken:
        raise RulesBrokenError(broken)
