"""The response cache keeps answers for one generation of the data, within its size and age bounds."""

from __future__ import annotations

import pytest

from identity.principal import Principal
from kit.change_feed import announce_changes_sql, forget_changes_sql
from kit.response_cache import Key, ResponseCache, told_as_committed

HEADERS = [(b"content-type", b"application/json")]


def key(path: str, subject: str = "a") -> Key:
    return (path, b"", Principal(subject=subject, kind="user"), None)


def hearing_cache(
    *, max_entries: int = 4096, max_bytes: int = 64 * 1_048_576, max_age_seconds: float = 60.0
) -> ResponseCache:
    cache = ResponseCache(
        heard_since=told_as_committed,
        max_entries=max_entries,
        max_bytes=max_bytes,
        max_age_seconds=max_age_seconds,
    )
    cache.hearing()
    return cache


def test_an_answer_is_served_until_the_data_changes() -> None:
    cache = hearing_cache()
    assert cache.keep(key("/bodies"), cache.stamp(), HEADERS, b"[1]")
    kept = cache.kept(key("/bodies"))
    assert kept is not None
    assert kept.body == b"[1]"
    assert cache.kept(key("/bodies", "b")) is None
    cache.changed()
    assert cache.kept(key("/bodies")) is None
    assert len(cache) == 0


def test_an_answer_computed_across_a_change_is_not_kept() -> None:
    cache = hearing_cache()
    started = cache.stamp()
    cache.changed()
    assert not cache.keep(key("/bodies"), started, HEADERS, b"[1]")
    assert cache.kept(key("/bodies")) is None


def test_nothing_is_kept_while_changes_cannot_be_heard() -> None:
    cache = ResponseCache(heard_since=told_as_committed)
    assert not cache.keep(key("/bodies"), cache.stamp(), HEADERS, b"[1]")
    cache.hearing()
    assert cache.keep(key("/bodies"), cache.stamp(), HEADERS, b"[1]")
    cache.deaf()
    assert not cache.listening
    assert cache.kept(key("/bodies")) is None


def test_least_recently_used_answers_go_first() -> None:
    cache = hearing_cache(max_entries=2)
    for path in ("/a", "/b"):
        cache.keep(key(path), cache.stamp(), HEADERS, b"x")
    assert cache.kept(key("/a")) is not None
    cache.keep(key("/c"), cache.stamp(), HEADERS, b"x")
    assert cache.kept(key("/b")) is None
    assert cache.kept(key("/a")) is not None
    assert cache.kept(key("/c")) is not None


def test_bytes_are_bounded_and_large_answers_are_not_kept() -> None:
    cache = hearing_cache(max_bytes=1600)
    assert not cache.keep(key("/large"), cache.stamp(), HEADERS, b"x" * 101)
    for index in range(20):
        assert cache.keep(key(f"/{index}"), cache.stamp(), HEADERS, b"x" * 100)
    assert len(cache) == 16
    assert cache.kept(key("/0")) is None
    assert cache.kept(key("/19")) is not None


def test_answers_age_out() -> None:
    cache = hearing_cache(max_age_seconds=-1)
    cache.keep(key("/bodies"), cache.stamp(), HEADERS, b"[1]")
    assert cache.kept(key("/bodies")) is None


@pytest.mark.parametrize("schema", ["grants; DROP TABLE x", "1grants", ""])
def test_announcement_sql_takes_only_a_schema_name(schema: str) -> None:
    with pytest.raises(ValueError, match="not a schema name"):
        announce_changes_sql(schema)
    with pytest.raises(ValueError, match="not a schema name"):
        forget_changes_sql(schema)


def test_an_answer_holding_parts_of_its_contract_stays_when_another_part_changes() -> None:
    cache = hearing_cache()
    live = frozenset({"live", "notified"})
    started = cache.snapshot("CV-1")
    assert cache.keep(key("/programmation"), started.stamp(live), HEADERS, b"[1]", live)
    assert cache.keep(key("/calls"), started.stamp(None), HEADERS, b"[2]")
    cache.changed("CV-1|drafts")  # a draft of the same contract
    assert cache.kept(key("/programmation")) is not None
    assert cache.kept(key("/calls")) is None  # it holds every part of the contract
    cache.changed("CV-1|drafts,live")  # a submission
    assert cache.kept(key("/programmation")) is None


def test_a_change_of_the_whole_contract_drops_the_answers_of_each_part() -> None:
    cache = hearing_cache()
    notified = frozenset({"notified"})
    assert cache.keep(key("/totals"), cache.snapshot("CV-1").stamp(notified), HEADERS, b"[1]", notified)
    cache.changed("CV-2|notified")  # another contract's
    assert cache.kept(key("/totals")) is not None
    cache.changed("CV-1")
    assert cache.kept(key("/totals")) is None


def test_an_answer_of_parts_computed_across_a_change_of_one_of_them_is_not_kept() -> None:
    cache = hearing_cache()
    notified = frozenset({"notified"})
    started = cache.snapshot("CV-1")
    cache.changed("CV-1|live")  # not a part it holds: still kept
    assert cache.keep(key("/totals"), started.stamp(notified), HEADERS, b"[1]", notified)
    started = cache.snapshot("CV-1")
    cache.changed("CV-1|notified,live")
    assert not cache.keep(key("/totals"), started.stamp(notified), HEADERS, b"[2]", notified)


async def test_a_kept_answer_s_digest_is_computed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ETag of a remembered answer computed afresh is the body's digest: the answer sent and the one kept
    carry the same, hashed once (a programmation page is ~48 KB: ~30 µs a hash)."""
    import httpx
    from starlette.types import Receive, Scope, Send

    from kit import response_cache, response_cache_middleware
    from kit.response_cache_middleware import ResponseCacheMiddleware

    async def remembered_route(scope: Scope, _receive: Receive, send: Send) -> None:
        scope.setdefault("state", {})[response_cache.REMEMBER_STATE] = True
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        await send({"type": "http.response.body", "body": b'{"items": []}'})

    digests: list[bytes] = []
    digest = response_cache.etag_of_body

    def counted(body: bytes) -> bytes:
        digests.append(body)
        return digest(body)

    monkeypatch.setattr(response_cache_middleware, "etag_of_body", counted)
    monkeypatch.setattr(response_cache, "etag_of_body", counted)
    cache = hearing_cache()
    app = ResponseCacheMiddleware(remembered_route, cache)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client:
        fresh = await client.get("/bodies", headers={"Cache-Control": "no-cache"})
        kept = await client.get("/bodies")
    assert fresh.headers["cache-status"] == "cdq; fwd=request"
    assert kept.headers["cache-status"] == "cdq; hit"
    assert fresh.headers["etag"] == kept.headers["etag"] == digest(b'{"items": []}').decode()
    assert len(digests) == 1
