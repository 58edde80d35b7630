"""A real webhook receiver: an HTTP server on loopback, in a thread, that records what it gets and answers
what the test scripts (200 by default)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True, slots=True)
class Received:
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    # The status to answer a request (its headers and body); 200 unless the test says otherwise.
    answer: Callable[[dict[str, str], bytes], int] = lambda _headers, _body: 200

    def delivered(self) -> list[Received]:
        return [item for item in list(self.received) if 200 <= item.status < 300]


@contextmanager
def running_receiver(port: int = 0) -> Iterator[Receiver]:
    """A receiver on `port` (0: any free one)."""
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            status = receiver.answer(headers, body)
            receiver.received.append(Received(headers, body, status))
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: ARG002 - quiet: no log line per request
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
