"""Which body limit applies to a path: exact paths, then patterns with `*` segments, then the default."""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from kit.asgi_middleware import BodySizeLimitMiddleware


async def _app(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError("not called")


def test_a_star_segment_matches_exactly_one_segment() -> None:
    limits = BodySizeLimitMiddleware(_app, 1000, {"/batch": 5000, "/bodies/*/draws": 9000})
    assert limits.limit_for("/batch") == 5000
    assert limits.limit_for("/bodies/4f1c/draws") == 9000
    assert limits.limit_for("/bodies/draws") == 1000
    assert limits.limit_for("/bodies/a/b/draws") == 1000
    assert limits.limit_for("/bodies/4f1c/draws/x") == 1000
    assert limits.limit_for("/other") == 1000
