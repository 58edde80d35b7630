"""Idempotency-Key on creating POSTs: a replay returns the first response; another body gives 422.

The key row is written in the same transaction as the business change, so a failed write leaves no
key behind. A concurrent duplicate waits on the key's unique index until the first commits, then
replays it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

import orjson
from fastapi import Header
from fastapi.responses import JSONResponse
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text, delete, func, select
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from kit.problems import ProblemError

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_PATTERN = r'^"?[\x21\x23-\x7e]{1,255}"?$'
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_HEADER,
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="Makes a creating POST safe to retry for 24 h: a replay returns the first response",
    ),
]
RETENTION = timedelta(hours=24)
_VALID_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)


def idempotency_keys_table(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys",
        metadata,
        Column("owner", Text, primary_key=True),
        Column("key", Text, primary_key=True),
        Column("operation", Text, nullable=False),
        Column("fingerprint", Text, nullable=False),
        Column("response_status", Integer, nullable=False),
        Column("response_body", JSONB, nullable=False),
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
    body: Any


def idempotent_request(key: str | None, owner: str, operation: str, payload: Any) -> IdempotentRequest | None:
    """Validate the header and fingerprint the payload; None when no key was sent."""
    if key is None:
        return None
    if not _VALID_KEY.match(key):
        raise ProblemError(
            400,
            "idempotency-key-invalid",
            "Invalid Idempotency-Key",
            "Idempotency-Key must be 1 to 255 visible ASCII characters.",
        )
    fingerprint = hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()
    return IdempotentRequest(owner=owner, key=key.strip('"'), operation=operation, fingerprint=fingerprint)


async def claim(session: AsyncSession, table: Table, request: IdempotentRequest) -> StoredResponse | None:
    """Reserve the key in this transaction, or return the response stored under it."""
    await session.execute(
        delete(table).where(table.c.owner == request.owner, table.c.key == request.key, table.c.expires_at < func.now())
    )
    inserted = await session.execute(
        insert(table)
        .values(
            owner=request.owner,
            key=request.key,
            operation=request.operation,
            fingerprint=request.fingerprint,
            response_status=0,
            response_body={},
            expires_at=func.now() + RETENTION,
        )
        .on_conflict_do_nothing()
        .returning(table.c.key)
    )
    if inserted.first() is not None:
        return None
    row = (await session.execute(select(table).where(table.c.owner == request.owner, table.c.key == request.key))).one()
    if row.operation != request.operation or row.fingerprint != request.fingerprint:
        raise ProblemError(
            422,
            "idempotency-key-reused",
            "Idempotency-Key reused",
            "This Idempotency-Key was used with another request body or operation.",
        )
    return StoredResponse(status=row.response_status, body=row.response_body)


async def remember(session: AsyncSession, table: Table, request: IdempotentRequest, status: int, body: Any) -> None:
    """Store the response under the reserved key, before the transaction commits."""
    await session.execute(
        table.update()
        .where(table.c.owner == request.owner, table.c.key == request.key)
        .values(response_status=status, response_body=body)
    )


def replayed_response(stored: StoredResponse) -> JSONResponse:
    """The first response to this key, said to be a replay."""
    return JSONResponse(stored.body, status_code=stored.status, headers={"Idempotent-Replayed": "true"})


def created_response(body: dict[str, Any], location: str, etag: str | None = None) -> JSONResponse:
    headers = {"Location": location} | ({"ETag": etag} if etag else {})
    return JSONResponse(body, status_code=201, headers=headers)
