"""Optimistic concurrency: strong ETags from a row version; updates require a matching If-Match."""

from __future__ import annotations

import hashlib

from kit.problems import ProblemError


def etag_of(resource_id: str, version: int) -> str:
    digest = hashlib.sha256(f"{resource_id}:{version}".encode()).hexdigest()[:20]
    return f'"{digest}"'


def require_if_match(if_match: str | None, current_etag: str) -> None:
    """428 when the header is missing, 412 (with the current ETag) when it does not match."""
    if if_match is None or not if_match.strip():
        raise ProblemError(
            428,
            "precondition-required",
            "Precondition required",
            "Send If-Match with the ETag of the version you read.",
        )
    candidates = [candidate.strip() for candidate in if_match.split(",")]
    if "*" in candidates or current_etag in candidates:
        return
    raise ProblemError(
        412,
        "precondition-failed",
        "Precondition failed",
        "The resource changed since you read it; read it again.",
        headers={"ETag": current_etag},
    )
