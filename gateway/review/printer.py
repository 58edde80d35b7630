"""A headless Chromium kept open to print the review as PDF: the DevTools protocol over a pipe (standard
library only, Chromium's `--remote-debugging-pipe`: it reads commands on descriptor 3 and writes on 4, each
message JSON ended by a NUL byte). Starting Chromium costs about a second and a half; a page printed by a
browser already open, a quarter of a second (../shared/docs/research/reporting.md). Started at the first
PDF, started again when it died; no network: every host name but the loopback resolves to nothing."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

PRINT_SECONDS = 60.0
FLAGS = (
    "--headless",
    "--remote-debugging-pipe",
    "--disable-gpu",
    "--no-first-run",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
)


class PdfUnavailableError(Exception):
    """No Chromium to print with, or it failed."""


class _Browser:
    """One running Chromium and its pipe: commands matched to their answers by id, load events by session."""

    def __init__(self, process: asyncio.subprocess.Process, reader: asyncio.StreamReader, writer: Any, profile: str):
        self.process = process
        self.reader = reader
        self.writer = writer
        self.profile = profile
        self.ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.loaded: dict[str, asyncio.Event] = {}
        self.listening = asyncio.create_task(self._listen())

    @property
    def alive(self) -> bool:
        return self.process.returncode is None and not self.listening.done()

    async def _listen(self) -> None:
        try:
            while True:
                message = json.loads((await self.reader.readuntil(b"\0"))[:-1])
                if "id" in message:
                    future = self.waiting.pop(message["id"], None)
                    if future is not None and not future.done():
                        future.set_result(message)
                elif message.get("method") == "Page.loadEventFired":
                    self.loaded.setdefault(message.get("sessionId", ""), asyncio.Event()).set()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            for future in self.waiting.values():
                if not future.done():
                    future.set_exception(PdfUnavailableError("Chromium stopped"))

    async def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        if not self.alive:
            raise PdfUnavailableError("Chromium stopped")
        identifier = next(self.ids)
        message: dict[str, Any] = {"id": identifier, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[identifier] = future
        self.writer.write(json.dumps(message).encode() + b"\0")
        answer = await future
        if "error" in answer:
            raise PdfUnavailableError(f"{method}: {answer['error'].get('message')}")
        return answer.get("result", {})

    async def close(self) -> None:
        self.writer.close()
        if self.process.returncode is None:
            self.process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.process.wait(), 5)
            if self.process.returncode is None:
                self.process.kill()
                await self.process.wait()
        self.listening.cancel()
        await asyncio.to_thread(shutil.rmtree, self.profile, True)


async def _start(chromium: str) -> _Browser:
    if not await asyncio.to_thread(Path(chromium).exists):
        raise PdfUnavailableError(f"{chromium} is not installed")
    profile = await asyncio.to_thread(tempfile.mkdtemp, prefix="cdq-chromium-")
    commands_read, commands_write = os.pipe()
    answers_read, answers_write = os.pipe()
    arguments = [chromium, *FLAGS, f"--user-data-dir={profile}"]
    if os.geteuid() == 0:
        arguments.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    # bash puts the two pipe ends where Chromium looks for them (3: its commands, 4: its answers); dash, the
    # usual /bin/sh, takes no descriptor above 9 in a redirection.
    script = f'exec "$@" 3<&{commands_read} 4>&{answers_write} {commands_read}<&- {answers_write}>&-'
    process = await asyncio.create_subprocess_exec(
        "/bin/bash",
        "-c",
        script,
        "bash",
        *arguments,
        pass_fds=(commands_read, answers_write),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    os.close(commands_read)
    os.close(answers_write)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(answers_read, "rb"))
    writer, _ = await loop.connect_write_pipe(asyncio.BaseProtocol, os.fdopen(commands_write, "wb"))
    return _Browser(process, reader, writer, profile)


class ChromiumPrinter:
    """Prints pages as A4 PDF (the page's CSS `@page` wins), at most two at a time."""

    def __init__(self, chromium: str) -> None:
        self.chromium = chromium
        self._browser: _Browser | None = None
        self._starting = asyncio.Lock()
        self._slots = asyncio.Semaphore(2)

    async def _running(self) -> _Browser:
        async with self._starting:
            if self._browser is None or not self._browser.alive:
                if self._browser is not None:
                    await self._browser.close()
                self._browser = await _start(self.chromium)
            return self._browser

    async def pdf(self, html: str) -> bytes:
        async with self._slots:
            try:
                return await asyncio.wait_for(self._print(html), PRINT_SECONDS)
            except TimeoutError as error:
                await self.close()  # a stuck browser is started afresh by the next print
                raise PdfUnavailableError("Chromium did not print in time") from error

    async def _print(self, html: str) -> bytes:
        browser = await self._running()
        folder = await asyncio.to_thread(tempfile.mkdtemp, prefix="cdq-review-")
        try:
            page = Path(folder) / "review.html"
            await asyncio.to_thread(page.write_text, html, encoding="utf-8")
            target = (await browser.send("Target.createTarget", {"url": "about:blank"}))["targetId"]
            try:
                session = (await browser.send("Target.attachToTarget", {"targetId": target, "flatten": True}))[
                    "sessionId"
                ]
                loaded = browser.loaded.setdefault(session, asyncio.Event())
                await browser.send("Page.enable", session=session)
                await browser.send("Page.navigate", {"url": page.as_uri()}, session)
                await loaded.wait()
                printed = await browser.send(
                    "Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True}, session
                )
                browser.loaded.pop(session, None)
            finally:
                with contextlib.suppress(PdfUnavailableError):
                    await browser.send("Target.closeTarget", {"targetId": target})
            return base64.b64decode(printed["data"])
        finally:
            await asyncio.to_thread(shutil.rmtree, folder, True)

    async def close(self) -> None:
        if self._browser is not None:
            await self._browser.close()
            self._browser = None
