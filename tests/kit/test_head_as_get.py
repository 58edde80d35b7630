"""HEAD answered as the GET of the same resource without its body (kit.asgi_middleware.HeadAsGetMiddleware)."""

from __future__ import annotations

import asyncio

from starlette.types import Message, Receive, Scope, Send

from kit.asgi_middleware import HeadAsGetMiddleware


async def test_a_head_ends_with_the_gets_head_even_while_the_get_still_streams() -> None:
    asked: list[str] = []
    never = asyncio.Event()

    async def streaming_get(scope: Scope, receive: Receive, send: Send) -> None:
        asked.append(scope["method"])
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"10")]})
        await send({"type": "http.response.body", "body": b"01234", "more_body": True})
        await never.wait()  # an export still being written

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "method": "HEAD", "path": "/export", "headers": []}
    running = asyncio.create_task(HeadAsGetMiddleware(streaming_get)(scope, receive, send))
    await asyncio.sleep(0.01)
    assert asked == ["GET"]
    # The response is whole (the connection free for the next request) though the GET has not ended.
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["headers"] == [(b"content-length", b"10")]
    assert (sent[1]["body"], sent[1]["more_body"]) == (b"", False)
    assert not running.done()
    running.cancel()


async def test_other_methods_pass_untouched() -> None:
    seen: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    async def nothing() -> Message:
        return {}

    async def ignore(message: Message) -> None:
        return None

    scope = {"type": "http", "method": "POST", "path": "/x", "headers": []}
    await HeadAsGetMiddleware(app)(scope, nothing, ignore)
    assert seen == [scope]
