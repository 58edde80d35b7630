"""Idempotency-Key: the store of first responses, one table per service.

The write pipeline (kit/write_pipeline.py) reserves the key in the operation's transaction, before the
first write, and stores the response in that same transaction just before it commits: a committed change
always has its response stored, and a failed one leaves no key behind. A concurrent duplicate waits on the
key's primary key until the first commits, then replays it (or, if the first rolled back, runs itself).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

import orjson
from sqlalchemy import (
    ClauseElement,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from kit.combined_writes import WritePart
from kit.compiled_statements import CompiledOnce
from kit.problems import FieldError, ProblemError

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
IDEMPOTENCY_KEY_PATTERN = r'^"?[\x21\x23-\x7e]{1,255}"?$'
_KEY = re.compile(r'"?([\x21\x23-\x7e]{1,255})"?')
RETENTION = timedelta(hours=24)
# Headers of the first response a replay gives again; the others (dates, request ids) are the replay's own.
REPLAYED_HEADERS = ("content-type", "location", "etag")

_JSON_MEDIA = re.compile(r"^application/([a-z0-9.+-]+\+)?json[ \t]*(;|$)", re.IGNORECASE | re.ASCII)


def idempotency_keys_table(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys",
        metadata,
        Column("owner", Text, primary_key=True),
        Column("key", Text, primary_key=True),
        Column("operation", Text, nullable=False),
        Column("fingerprint", Text, nullable=False),
        Column("response_status", Integer, nullable=False),
        Column("response_headers", JSONB, nullable=False, server_default="{}"),
        Column("response_body", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("expires_at", DateTime(timezone=True), nullable=False),
    )


@dataclass(frozen=True, slots=True)
class IdempotentRequest:
    owner: str
    key: str
    operation: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def fingerprint_of(method: str, path: str, query: str, content_type: str, body: bytes) -> str:
    """What makes two requests "the same request": method, target, media type and body — a JSON body by its
    content, not its bytes (a client that serialises its retry again, with other spacing or key order, sends
    the same request: the Idempotency-Key draft leaves the fingerprint to the server, §2.4)."""
    digest = hashlib.sha256()
    for part in (method, path, query, media_type_of(content_type)):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\x00")
    digest.update(_canonical_json(body) if _JSON_MEDIA.match(content_type) else body)
    return digest.hexdigest()


def media_type_of(content_type: str) -> str:
    """A Content-Type as a retry may spell it differently and mean the same (RFC 9110 §8.3.1): type, subtype
    and parameter names are case-insensitive, parameters come in any order, and JSON's parameters mean
    nothing (it is UTF-8 whatever a `charset` says: RFC 8259 §8.1, and `application/json` defines none)."""
    media, *parameters = content_type.split(";")
    media = media.strip().lower()
    if _JSON_MEDIA.match(media):
        return media
    normalised = []
    for parameter in parameters:
        name, _, value = parameter.strip().partition("=")
        if name:
            unquoted = value.strip().strip('"')
            name = name.strip().lower()
            # A charset's name is case-insensitive (RFC 9110 §8.3.2); other parameters' values may not be.
            normalised.append(f"{name}={unquoted.lower() if name == 'charset' else unquoted}")
    return ";".join([media, *sorted(normalised)])


def _canonical_json(body: bytes) -> bytes:
    """The JSON text with sorted keys and no spacing; the bytes themselves when they are not JSON."""
    try:
        return orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS)
    except orjson.JSONDecodeError:
        return body


def one_key_header(lines: list[str]) -> str | None:
    """The Idempotency-Key header's value: one line; with two, which one counts would be the reader's choice
    (the first or the last), so neither does (400)."""
    if len(lines) > 1:
        raise ProblemError(
            400,
            "idempotency-key-invalid",
            "Invalid Idempotency-Key",
            "Send one Idempotency-Key header, not several.",
            errors=[_key_error("idempotency-key-single", "one Idempotency-Key header line")],
        )
    return lines[0] if lines else None


def key_of(header: str) -> str:
    """The key itself: 1 to 255 visible ASCII characters but `"`, optionally quoted (an RFC 8941 string);
    exactly the pattern the contracts declare."""
    found = _KEY.fullmatch(header.strip())
    if found is None:
        raise ProblemError(
            400,
            "idempotency-key-invalid",
            "Invalid Idempotency-Key",
            "Idempotency-Key must be 1 to 255 visible ASCII characters.",
            errors=[_key_error("idempotency-key-format", "1 to 255 visible ASCII characters, e.g. a UUID")],
        )
    return found.group(1)


def _reserving(table: Table) -> tuple[ClauseElement, frozenset[str]]:
    """Reserve a key: a new one inserted, an expired one taken over, an unexpired one left (no row back)."""
    reserved = insert(table).values(
        owner=bindparam("owner", type_=Text),
        key=bindparam("key", type_=Text),
        operation=bindparam("operation", type_=Text),
        fingerprint=bindparam("fingerprint", type_=Text),
        response_status=0,
        response_headers={},
        response_body=b"",
        expires_at=func.now() + RETENTION,
    )
    taken_over = reserved.on_conflict_do_update(
        index_elements=[table.c.owner, table.c.key],
        set_={
            "operation": reserved.excluded.operation,
            "fingerprint": reserved.excluded.fingerprint,
            "response_status": reserved.excluded.response_status,
            "response_headers": reserved.excluded.response_headers,
            "response_body": reserved.excluded.response_body,
            "created_at": func.now(),
            "expires_at": reserved.excluded.expires_at,
        },
        where=table.c.expires_at < func.now(),
    )
    return taken_over.returning(table.c.key), _OWNED


def _stored(table: Table) -> tuple[ClauseElement, frozenset[str]]:
    """What is stored under a key: the request it was reserved for, and its response."""
    columns = (table.c.operation, table.c.fingerprint, table.c.response_status, table.c.response_headers)
    owned = (table.c.owner == bindparam("owner", type_=Text)) & (table.c.key == bindparam("key", type_=Text))
    return select(*columns, table.c.response_body).where(owned), frozenset({"owner", "key"})


_OWNED = frozenset({"owner", "key", "operation", "fingerprint"})
# Built and compiled once per table: a keyed POST's first statement spent more CPU in building the INSERT
# and its cache key than in the driver (a fifth of a call-deadline write's CPU in grants, docs/platform.md).
_RESERVING = CompiledOnce(_reserving)
_STORED = CompiledOnce(_stored)


async def claim(session: AsyncSession, table: Table, request: IdempotentRequest) -> StoredResponse | None:
    """Reserve the key in this transaction, or return the response stored under it.

    One statement reserves it: a new key is inserted, an expired one taken over (its day is over: it is
    the caller's new request); an unexpired one is left as it is, and read."""
    owned = {"owner": request.owner, "key": request.key}
    inserted = await _RESERVING(table).run(
        session, {**owned, "operation": request.operation, "fingerprint": request.fingerprint}
    )
    if inserted.first() is not None:
        return None
    operation, fingerprint, status, headers, body = tuple((await _STORED(table).run(session, owned)).one())
    if operation != request.operation or fingerprint != request.fingerprint:
        raise ProblemError(
            422,
            "idempotency-key-reused",
            "Idempotency-Key reused",
            "This Idempotency-Key was used with another request (operation, target or body).",
            errors=[_key_error("idempotency-key-reused", "the key was first used with another request")],
        )
    return StoredResponse(status=status, headers=dict(headers), body=bytes(body))


class ClaimLostError(Exception):
    """The key, reserved again after the handler's first unit of work was undone, was answered meanwhile by
    a duplicate of the request: the request runs again, and so replays that answer."""


@dataclass(frozen=True, slots=True)
class Reclaim:
    """The key reserved again, in the transaction started again after its first unit was undone
    (kit/ambient_transaction.py `undo` rolls the reservation back with the rest)."""

    table: Table
    request: IdempotentRequest

    async def __call__(self, session: AsyncSession) -> None:
        if await claim(session, self.table, self.request) is not None:
            raise ClaimLostError


def _key_error(rule: str, message: str) -> FieldError:
    return FieldError(pointer="/header/Idempotency-Key", field=IDEMPOTENCY_HEADER, rule=rule, message=message)


def kept_answer(table: Table, request: IdempotentRequest, response: StoredResponse) -> WritePart:
    """The write storing the response under the reserved key, in the transaction about to commit (sent with
    its other ledger writes: kit/outbox.py `write_pending`)."""
    if table.fullname not in _KEPT_ANSWERS:
        _KEPT_ANSWERS[table.fullname] = (
            f"UPDATE {table.fullname} SET response_status = :kept_status, response_headers = :kept_headers,"  # noqa: S608 - the table's own name
            " response_body = :kept_body WHERE owner = :kept_owner AND key = :kept_key"
        )
    values = {
        "kept_status": response.status,
        "kept_headers": response.headers,
        "kept_body": response.body,
        "kept_owner": request.owner,
        "kept_key": request.key,
    }
    return WritePart("answer_kept", _KEPT_ANSWERS[table.fullname], values, _KEPT_BINDS)


_KEPT_ANSWERS: dict[str, str] = {}
_KEPT_BINDS = (bindparam("kept_headers", type_=JSONB), bindparam("kept_body", type_=LargeBinary))


def store_whole_responses_sql(schema: str) -> list[str]:
    """DDL storing a response whole (status, headers, body bytes), for the migration of each service."""
    return [
        f"ALTER TABLE {schema}.idempotency_keys ADD COLUMN response_headers jsonb DEFAULT '{{}}' NOT NULL",
        f"ALTER TABLE {schema}.idempotency_keys ALTER COLUMN response_body TYPE bytea"
        " USING convert_to(response_body::text, 'UTF8')",
    ]


def store_json_responses_sql(schema: str) -> list[str]:
    """The way back: keys live a day, so those stored as bytes are dropped rather than converted."""
    return [
        f"DELETE FROM {schema}.idempotency_keys",  # noqa: S608 - a schema name of ours
        f"ALTER TABLE {schema}.idempotency_keys ALTER COLUMN response_body TYPE jsonb"
        " USING convert_from(response_body, 'UTF8')::jsonb",
        f"ALTER TABLE {schema}.idempotency_keys DROP COLUMN response_headers",
    ]
