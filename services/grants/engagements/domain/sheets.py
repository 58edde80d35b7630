"""A signatory's engagement sheet for one year: the questions of the contract's sheet (BGE
Hauts-de-France's, the contract ../shared/seeds/002…txt, lines 2315-2372: the structuring interventions,
the neighbourhoods targeted, the agents in the governance "fonction et nom de l'agent", the interventions and
engagements for 2024-2030, the strategic and operational objectives they serve), with the droit commun
means the evaluation compares ("approche financière … comparaisons fiches d'engagement 2024 à N+2 et N+3",
line 2231) and the engineering staff ("plus de 13 ETP", line 2147). One sheet per signatory and year: the
sheets of successive years are its versions over the contract."""

from __future__ import annotations

import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from services.grants.errors import RuleViolationError


class Resolution(StrEnum):
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"


@dataclass(frozen=True, slots=True)
class ObjectiveRef:
    """An objective as the sheet names it: by the id of a node of the tree, or by its codes as the sheet
    writes them ("A2/OS3/3A": ambition, strategic, operational) with the sheet's own label."""

    code: str | None = None
    objective_id: uuid.UUID | None = None
    label: str | None = None
    # Filled by the resolution against the contract's tree (never dropped when it fails).
    status: Resolution = Resolution.UNRESOLVED
    resolved_id: uuid.UUID | None = None
    tree_label: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Intervention:
    key: str
    title: str
    description: str | None


@dataclass(frozen=True, slots=True)
class Agent:
    function: str
    name: str | None  # professional data: never public, never in an event or a log


@dataclass(frozen=True, slots=True)
class Commitment:
    key: str
    text: str
    continuity: str | None  # "maintained" or "new" ("dispositifs maintenus, nouvelles orientations")
    objectives: tuple[ObjectiveRef, ...]


@dataclass(frozen=True, slots=True)
class Figures:
    amount_cents: int | None
    actions: int | None
    etp: Decimal | None


@dataclass(frozen=True, slots=True)
class Means:
    """A droit commun mean for one year: declared, then realised."""

    key: str
    label: str
    year: int
    declared: Figures
    realised: Figures | None


@dataclass(frozen=True, slots=True)
class Staff:
    """Engineering staff on the contract: a function and its full-time equivalents."""

    function: str
    etp: Decimal


@dataclass(frozen=True, slots=True)
class SheetContent:
    interventions: tuple[Intervention, ...] = ()
    qpv_codes: tuple[str, ...] = ()
    vulnerability_zones: tuple[str, ...] = ()
    agents: tuple[Agent, ...] = ()
    commitments: tuple[Commitment, ...] = ()
    means: tuple[Means, ...] = ()
    staff: tuple[Staff, ...] = ()
    source: str | None = None  # where the sheet's figures come from (the contract's lines, a letter…)
    is_fictitious: bool = False  # demo data, marked as such


@dataclass(frozen=True, slots=True)
class Sheet:
    sheet_id: uuid.UUID
    contract_code: str
    signatory_id: uuid.UUID
    year: int
    content: SheetContent
    version: int = 1

    @property
    def unresolved(self) -> list[tuple[str, ObjectiveRef]]:
        """The objectives the tree does not have as the sheet names them (kept, reported)."""
        return [
            (commitment.key, ref)
            for commitment in self.content.commitments
            for ref in commitment.objectives
            if ref.status is Resolution.UNRESOLVED
        ]


def public_content(content: SheetContent) -> SheetContent:
    """What anyone reads: the agents' functions, never their names."""
    return replace(content, agents=tuple(Agent(agent.function, None) for agent in content.agents))


def _duplicates(keys: Iterable[object]) -> list[str]:
    return sorted(str(key) for key, count in Counter(keys).items() if count > 1)


def check_content(
    content: SheetContent, qpvs_of_contract: Sequence[str], start_year: int, end_year: int
) -> list[RuleViolationError]:
    """Every broken rule of a sheet's content at once: QPVs of the contract's generation, each key once,
    means within the contract's years, each realised figure after its declaration."""
    broken: list[RuleViolationError] = []
    foreign = sorted(set(content.qpv_codes) - set(qpvs_of_contract))
    if foreign:
        known = ", ".join(qpvs_of_contract)
        broken.append(
            RuleViolationError(
                "qpv_codes", "qpv-of-contract", f"QPV {', '.join(foreign)} not among the contract's QPV ({known})"
            )
        )
    for field, keys in (
        ("interventions", [item.key for item in content.interventions]),
        ("commitments", [item.key for item in content.commitments]),
        ("means", [(item.key, item.year) for item in content.means]),
        ("staff", [item.function for item in content.staff]),
    ):
        repeated = _duplicates(keys)
        if repeated:
            broken.append(RuleViolationError(field, "unique-key", f"{field}: each key once ({', '.join(repeated)})"))
    for position, means in enumerate(content.means):
        if not start_year <= means.year <= end_year:
            broken.append(
                RuleViolationError(
                    f"means/{position}/year",
                    "year-of-contract",
                    f"a mean's year is within the contract's {start_year}-{end_year}",
                )
            )
    return broken


def _plain(text: str) -> str:
    """A label compared as a reader would: accents, case, punctuation and spacing aside."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(char if char.isalnum() else " " for char in decomposed if not unicodedata.combining(char))
    return " ".join(kept.split())


@dataclass(frozen=True, slots=True)
class TreeNode:
    """An operational objective of the contract's tree with the codes of its path."""

    objective_id: uuid.UUID
    path: str  # "A2/OS3/3A"
    label: str


def resolve(
    ref: ObjectiveRef, contract_code: str, nodes: Sequence[TreeNode], foreign_ids: set[uuid.UUID]
) -> ObjectiveRef:
    """The reference resolved against the contract's operational objectives. An id of another contract's
    tree, or a code prefixed with another contract's (`CV-…:A2/OS3/3A`), is refused: the caller named
    something that is not this contract's. A code path the tree lacks, repeats, or holds under another
    label is kept as the sheet writes it, unresolved, with the reason."""
    prefix, _, _ = (ref.code or "").rpartition(":")
    if prefix and prefix != contract_code:
        raise RuleViolationError(
            "code", "objective-of-contract", f"objective {ref.code} is of contract {prefix}, not {contract_code}"
        )
    if ref.objective_id is not None:
        if ref.objective_id in foreign_ids:
            raise RuleViolationError(
                "objective_id", "objective-of-contract", f"objective {ref.objective_id} belongs to another contract"
            )
        node = next((item for item in nodes if item.objective_id == ref.objective_id), None)
        if node is None:
            raise RuleViolationError(
                "objective_id",
                "objective-of-contract",
                f"objective {ref.objective_id} is not an operational objective of this contract",
            )
        return replace(ref, status=Resolution.RESOLVED, resolved_id=node.objective_id, tree_label=node.label)
    wanted = (ref.code or "").rpartition(":")[2].strip()
    found = [item for item in nodes if item.path == wanted or item.path.endswith("/" + wanted)]
    if not found:
        return replace(ref, status=Resolution.UNRESOLVED, reason=f"the contract's tree has no objective {wanted}")
    if len(found) > 1:
        paths = ", ".join(item.path for item in found)
        return replace(ref, status=Resolution.UNRESOLVED, reason=f"{wanted} names several objectives ({paths})")
    node = found[0]
    if ref.label and _plain(ref.label) != _plain(node.label):
        return replace(
            ref,
            status=Resolution.UNRESOLVED,
            tree_label=node.label,
            reason=f"the tree's {node.path} is « {node.label} », not the sheet's « {ref.label} »",
        )
    return replace(ref, status=Resolution.RESOLVED, resolved_id=node.objective_id, tree_label=node.label)
