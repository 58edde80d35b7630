"""Priority neighbourhoods across generations: statuses, lineage kinds, stable ids for code-less records."""

from __future__ import annotations

import uuid
from enum import StrEnum

_QPV_NAMESPACE = uuid.UUID("6f1b8a52-3c1e-4d7a-9a51-2f7d3b0c9e11")


class QpvStatus(StrEnum):
    QPV = "qpv"
    VEILLE_ACTIVE = "veille_active"


class LineageKind(StrEnum):
    SPLIT = "split"
    MERGE = "merge"
    RENAME = "rename"
    EXTENSION = "extension"
    CONTOUR_MODIFIED = "contour_modified"
    UNCHANGED = "unchanged"


def stable_qpv_id(generation: str, code: str | None, nom: str, communes: list[str]) -> uuid.UUID:
    """The same record gets the same id at every import, with or without an official code."""
    key = f"{generation}|{code}" if code else f"{generation}|{nom}|{','.join(sorted(communes))}"
    return uuid.uuid5(_QPV_NAMESPACE, key)


def lineage_kind(description: str) -> LineageKind:
    """Read the kind of link from the source's wording ("split from …", "maintained, contour modified")."""
    text = description.lower()
    if "split" in text:
        return LineageKind.SPLIT
    if "merge" in text:
        return LineageKind.MERGE
    if "successor" in text or "renamed" in text:
        return LineageKind.RENAME
    if "extended" in text or "extension" in text:
        return LineageKind.EXTENSION
    if "contour modified" in text:
        return LineageKind.CONTOUR_MODIFIED
    return LineageKind.UNCHANGED
