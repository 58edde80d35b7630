"""Optimistic concurrency: strong ETags from a row version, and the If-Match precondition (RFC 9110 §13.1.1)."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from kit.problems import FieldError, ProblemError

ETAG_HEADER = "ETag"
IF_MATCH_HEADER = "If-Match"
IF_MATCH_MAX_LENGTH = 1024  # a list of ETags, on one header line or several


def etag_of(resource_id: str, version: int) -> str:
    digest = hashlib.sha256(f"{resource_id}:{version}".encode()).hexdigest()[:20]
    return f'"{digest}"'


def etag_of_content(*parts: object) -> str:
    """A strong ETag of a resource without a version column: the digest of what it holds. Decimals count by
    their value (0.04 as sent and 0.0400 as a NUMERIC(6,4) column gives it back are the same version)."""
    canonical = (format(part.normalize(), "f") if isinstance(part, Decimal) else str(part) for part in parts)
    digest = hashlib.sha256("\x1f".join(canonical).encode()).hexdigest()[:20]
    return f'"{digest}"'


def if_match_list(lines: list[str]) -> str | None:
    """If-Match as the request sent it: a list header on several lines is one list (RFC 9110 §5.3), each
    line counts (not the first only), and the bound its declaration sets holds for the whole list."""
    if not lines:
        return None
    joined = ", ".join(lines)
    if len(joined) > IF_MATCH_MAX_LENGTH:
        message = f"at most {IF_MATCH_MAX_LENGTH} characters, on one line or several"
        raise ProblemError(
            422,
            "validation",
            "Invalid input",
            f"If-Match: {message}",
            errors=[FieldError(pointer="/header/If-Match", field="If-Match", rule="string_too_long", message=message)],
        )
    return joined


def _required(detail: str) -> ProblemError:
    return ProblemError(428, "precondition-required", "Precondition required", detail)


def evaluate_if_match(if_match: str | None, current_etag: str | None) -> None:
    """Accept the write or raise the problem the caller must see.

    - the resource exists: `If-Match` must list the ETag read (428 without it, 412 when stale); `*` is
      refused with 428, since it would let a writer overwrite a version it never read;
    - it does not exist yet (a PUT that creates): no `If-Match`, or 412 (RFC 9110: If-Match is false
      without a current representation).
    Comparison is strong: a weak validator (`W/"…"`) never matches."""
    given = [candidate.strip() for candidate in if_match.split(",")] if if_match and if_match.strip() else []
    if current_etag is None:
        if given:
            raise ProblemError(
                412,
                "precondition-failed",
                "Precondition failed",
                "The resource does not exist: send no If-Match to create it.",
            )
        return
    if not given:
        raise _required("Send If-Match with the ETag of the version you read.")
    if "*" in given:
        raise _required("If-Match: * is not accepted: send the ETag of the version you read.")
    if current_etag in given:
        return
    raise ProblemError(
        412,
        "precondition-failed",
        "Precondition failed",
        "The resource changed since you read it; read it again.",
        headers={ETAG_HEADER: current_etag},
    )
