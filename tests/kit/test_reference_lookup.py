"""Reading another service's reference records: cached, and a stale answer while the owner is down."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from cli.embedded_postgres import free_port
from kit.http_client import CallPolicy, service_client
from kit.reference_lookup import ReferenceLookup, ReferenceUnavailableError


class Owner(BaseHTTPRequestHandler):
    """A minimal owner of records: /things/a exists, anything else does not."""

    served: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Owner.served.append(self.path)
        if self.path == "/things/a":
            body = json.dumps({"code": "a"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def log_message(self, *_arguments: object) -> None:
        return


@pytest.fixture
def owner() -> Iterator[tuple[ThreadingHTTPServer, int]]:
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Owner)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, port
    server.shutdown()
    server.server_close()


def _lookup(port: int, fresh: float) -> ReferenceLookup[dict[str, str]]:
    policy = CallPolicy(connect_timeout=0.2, read_timeout=0.2, deadline=0.5, retries=0)
    client = service_client("owner", f"http://127.0.0.1:{port}", policy)
    return ReferenceLookup(client, lambda key: f"/things/{key}", json.loads, fresh_seconds=fresh, stale_seconds=60)


async def test_answers_are_cached_while_fresh(owner: tuple[ThreadingHTTPServer, int]) -> None:
    lookup = _lookup(owner[1], fresh=60)
    Owner.served.clear()
    assert await lookup.find("a") == {"code": "a"}
    assert await lookup.find("a") == {"code": "a"}
    assert await lookup.find("b") is None
    assert await lookup.find("b") is None
    assert Owner.served == ["/things/a", "/things/b"]
    await lookup.aclose()


async def test_a_stale_answer_serves_while_the_owner_is_down(owner: tuple[ThreadingHTTPServer, int]) -> None:
    server, port = owner
    lookup = _lookup(port, fresh=0)
    assert await lookup.find("a") == {"code": "a"}
    assert await lookup.find("b") is None
    server.shutdown()
    server.server_close()
    assert await lookup.find("a") == {"code": "a"}
    assert await lookup.find("b") is None
    with pytest.raises(ReferenceUnavailableError):
        await lookup.find("never-asked")
    await lookup.aclose()
