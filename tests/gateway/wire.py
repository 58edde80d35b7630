"""HTTP/1.1 spoken byte by byte over a real socket, for what an HTTP client library would not send
(raw encoded paths, dot segments, stalled heads and bodies) and fault peers that misbehave on purpose."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from cli.embedded_postgres import free_port
from cli.stack import app_environments, uvicorn_command
from gateway.settings import GatewaySettings
from tests.running_stack import RunningStack

ROOT = Path(__file__).resolve().parents[2]
# Bounds that only stop a broken test from hanging: never what a test asserts.
PATIENCE_SECONDS = 60.0


def gateway_settings(stack: RunningStack, **overrides: Any) -> GatewaySettings:
    """Settings of a second gateway on the test stack's database and services, some replaced."""
    settings: dict[str, Any] = {
        "environment": "test",
        "database_url": stack.role_url("gateway"),
        "signing_key": stack.secrets.signing_key_pem,
        "webhook_secrets_key": stack.secrets.webhook_secrets_key,
        "issuer": stack.issuer.issuer,
        "territories_url": stack.urls["territories"],
        "grants_url": stack.urls["grants"],
        "participation_url": stack.urls["participation"],
    }
    return GatewaySettings(**{**settings, **overrides})


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class RawConnection:
    """One client connection that writes exactly the bytes it is given."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> RawConnection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def response(self) -> RawResponse:
        """The next response (bodies with Content-Length only, as the gateway's small answers are)."""
        async with asyncio.timeout(PATIENCE_SECONDS):
            head = await self.reader.readuntil(b"\r\n\r\n")
            status_line, *lines = head.decode("latin-1").split("\r\n")
            headers = {}
            for line in lines:
                if line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            body = await self.reader.readexactly(length) if length else b""
        return RawResponse(int(status_line.split(" ")[1]), headers, body)

    async def closed_by_peer(self) -> bytes:
        """Everything the server still sends until it closes the connection."""
        async with asyncio.timeout(PATIENCE_SECONDS):
            return await self.reader.read()

    async def close(self) -> None:
        self.writer.close()
        with suppress(ConnectionError):
            await self.writer.wait_closed()


async def request_once(port: int, method: str, target: str, headers: dict[str, str] | None = None) -> RawResponse:
    connection = await RawConnection.open(port)
    try:
        lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        await connection.send(("\r\n".join(lines) + "\r\n\r\n").encode())
        return await connection.response()
    finally:
        await connection.close()


@dataclass
class FaultPeer:
    """A TCP peer in place of a service. It reads each request whole, counts it by path, then acts by
    the path's first segment: `/drop…` closes without answering, `/hang…` never answers, `/cut…`
    sends a head and part of the announced body, `/slow…` answers 200 after `slow_seconds`, anything
    else answers 200."""

    slow_seconds: float = 2.0
    requests: dict[str, int] = field(default_factory=dict)
    server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                path = request_line.split(" ")[1]
                length = 0
                for line in lines:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                    if name.strip().lower() == "transfer-encoding":
                        raise AssertionError("the fault peer reads only bodies of a declared length")
                await reader.readexactly(length)
                self.requests[path] = self.requests.get(path, 0) + 1
                if path.startswith("/drop"):
                    return
                if path.startswith("/hang"):
                    await reader.read()
                    return
                if path.startswith("/cut"):
                    writer.write(b'HTTP/1.1 201 Created\r\nContent-Length: 1000\r\n\r\n{"partial":')
                    await writer.drain()
                    return
                if path.startswith("/slow"):
                    await asyncio.sleep(self.slow_seconds)
                writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{"ok":true}')
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()


@dataclass
class AppProcess:
    process: asyncio.subprocess.Process
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def signal(self, number: signal.Signals) -> None:
        os.kill(self.process.pid, number)


def _stack_ports(stack: RunningStack) -> dict[str, int]:
    names = ("territories", "grants", "participation", "gateway")
    return {name: int(urlsplit(stack.urls[name]).port or 0) for name in names}


@asynccontextmanager
async def app_process(
    stack: RunningStack, app: str, environment: dict[str, str] | None = None, http: str | None = None
) -> AsyncIterator[AppProcess]:
    """One app of the stack as a real uvicorn process, as `./dev up` starts it (`cli.stack`), on the
    test stack's database and services; stopped (and resumed first if it was stopped) at the end."""
    ports = _stack_ports(stack)
    ports[app] = free_port()
    env = app_environments(stack.secrets, "127.0.0.1", stack.cluster.port, ports, environment="test")[app]
    command = uvicorn_command(app, ports[app], http=http, extra=("--log-level", "warning"))
    process = await asyncio.create_subprocess_exec(*command, cwd=ROOT, env={**os.environ, **env, **(environment or {})})
    running = AppProcess(process, ports[app])
    try:
        await _wait_until_healthy(running)
        yield running
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGCONT)
            process.terminate()
            try:
                async with asyncio.timeout(PATIENCE_SECONDS):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()


async def _wait_until_healthy(running: AppProcess) -> None:
    async with asyncio.timeout(PATIENCE_SECONDS), httpx.AsyncClient(timeout=2) as client:
        while True:
            if running.process.returncode is not None:
                raise RuntimeError(f"the app process exited with {running.process.returncode}")
            try:
                if (await client.get(running.url + "/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
