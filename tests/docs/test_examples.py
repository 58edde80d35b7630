"""The guides' examples run against the real stack, so they never go stale.

A guide's examples (docs/*.md and the README) are its fenced blocks opened with ```sh example: shell
commands a reader pastes into a terminal at the root of a clone while `./dev up` runs
(`http://127.0.0.1:8000`). Every `curl` in them is
followed by a comment giving the status it answers, and optionally headers it carries:

    curl -s http://127.0.0.1:8000/api/territories/qpvs?codeEpci=200033579
    # → 200
    curl … -H 'Idempotency-Key: …' …
    # → 201, Idempotent-Replayed: true — anything after a dash is a remark

The test runs the blocks of one guide in order in one bash (`set -euo pipefail`), with the real curl and
jq, the real `./dev token` and `./dev clients` (pointed at the test stack's signing key and database), and
with two substitutions only: the test stack's gateway for `http://127.0.0.1:8000`, and a contract code of
its own for the practice contract `CV-ESSAI-2025` (so guides never share records). A `curl` function
records each response's status line and headers; they must match the comments, one by one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.running_stack import RunningStack

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
DOCUMENTED_GATEWAY = "http://127.0.0.1:8000"
PRACTICE_CONTRACT = "CV-ESSAI-2025"

BLOCK = re.compile(r"^```sh example\n(.*?)^```\s*$", re.DOTALL | re.MULTILINE)
EXPECTATION = re.compile(r"^# → (?P<status>[0-9]{3})(?P<headers>(?:, [A-Za-z0-9-]+: [^,—]+?)*)(?: — .*)?$")
CURL = re.compile(r"(?:^|\$\(|\|\s*|&&\s*|;\s*)curl\s")
SOURCED = re.compile(r"^\.\s+(docs/\S+\.sh)$")
HEREDOC = re.compile(r"<<-?\s*'?([A-Z]+)'?")

RECORDING_CURL = r"""
set -euo pipefail
curl() {
    local dumped status=0
    dumped=$(mktemp)
    command curl -D "$dumped" "$@" || status=$?
    { cat "$dumped"; printf '%s\n' '--- end of response ---'; } >> "$CDQ_CURL_LOG"
    rm -f "$dumped"
    return "$status"
}
"""


@dataclass(frozen=True)
class Expected:
    where: str
    status: int
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Answered:
    status: int
    headers: dict[str, str]


def example_blocks(guide: Path) -> list[tuple[int, str]]:
    """Each example block of the guide with the number of its first line."""
    text = guide.read_text(encoding="utf-8")
    return [(text.count("\n", 0, block.start(1)) + 1, block.group(1)) for block in BLOCK.finditer(text)]


def joined(blocks: list[tuple[int, str]]) -> tuple[str, list[int]]:
    """The blocks as one script, and the guide's line number of each of its lines."""
    lines: list[int] = []
    for first, text in blocks:
        lines += range(first, first + text.count("\n"))
    return "".join(text for _, text in blocks), lines


GUIDES = [path for path in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))] if example_blocks(path)]


def expectations(text: str, where: str, line_numbers: list[int] | None = None) -> list[Expected]:
    """What each curl of `text` must answer, in order; a sourced docs/*.sh brings its own."""
    found: list[Expected] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        start = index
        command = lines[index]
        while command.endswith("\\") and index + 1 < len(lines):
            index += 1
            command = command[:-1] + " " + lines[index]
        heredoc = HEREDOC.search(command)
        if heredoc:
            while index + 1 < len(lines) and lines[index + 1].strip() != heredoc.group(1):
                index += 1
            index += 1
            if index + 1 < len(lines) and lines[index + 1].strip() == ")":
                index += 1  # the end of a $( … ) around the command
        index += 1
        sourced = SOURCED.match(command.strip())
        if sourced:
            found += expectations((ROOT / sourced.group(1)).read_text(encoding="utf-8"), sourced.group(1))
            continue
        if command.lstrip().startswith("#") or not CURL.search(command):
            continue
        comment = lines[index].strip() if index < len(lines) else ""
        matched = EXPECTATION.match(comment)
        line = line_numbers[start] if line_numbers else start + 1
        assert matched, f"{where}, line {line}: a curl without its expected status on the next line (# → 200)"
        headers = tuple(
            (name.strip().lower(), value.strip())
            for name, value in (pair.split(": ", 1) for pair in matched.group("headers").split(", ")[1:])
        )
        found.append(Expected(f"{where}, line {line}", int(matched.group("status")), headers))
        index += 1
    return found


def recorded_answers(log: str) -> list[Answered]:
    answers = []
    for dump in log.split("--- end of response ---\n")[:-1]:
        # Interim answers (100 Continue) come first: the last status line is the answer.
        head = dump.replace("\r\n", "\n").strip().split("\n\n")[-1].split("\n")
        status = int(head[0].split(" ")[1])
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        answers.append(Answered(status, headers))
    return answers


def practice_copy(text: str, contract: str, gateway: str) -> str:
    return text.replace(DOCUMENTED_GATEWAY, gateway).replace(PRACTICE_CONTRACT, contract)


def workspace(tmp_path: Path, contract: str, gateway: str) -> Path:
    """A working directory where `./dev` is the project's own and docs/*.sh the copies the test runs."""
    directory = tmp_path / "clone"
    (directory / "docs").mkdir(parents=True)
    for script in DOCS.glob("*.sh"):
        (directory / "docs" / script.name).write_text(
            practice_copy(script.read_text(encoding="utf-8"), contract, gateway), encoding="utf-8"
        )
    dev = directory / "dev"
    dev.write_text(f'#!/usr/bin/env bash\nexec {ROOT / "dev"} "$@"\n', encoding="utf-8")
    dev.chmod(0o755)
    return directory


def test_the_guides_have_examples() -> None:
    names = {guide.name for guide in GUIDES}
    audiences = {"pilots-and-state.md", "operators.md", "integrators.md", "front-end.md", "platform.md"}
    assert {"README.md", *audiences} <= names
    for tool in ("bash", "curl", "jq"):
        assert shutil.which(tool), f"the guides' examples need {tool} (Debian package {tool})"


@pytest.mark.parametrize("guide", GUIDES, ids=[guide.name for guide in GUIDES])
def test_a_guides_examples_answer_what_it_says(stack: RunningStack, guide: Path, tmp_path: Path) -> None:
    contract = "CV-DOC-" + uuid.uuid4().hex[:10].upper()
    script, line_numbers = joined(example_blocks(guide))
    expected = expectations(script, guide.name, line_numbers)
    assert expected, f"{guide.name}: examples without a single curl"
    log = tmp_path / "answers.log"
    log.touch()
    data_dir = tmp_path / "data"  # never the developer's running stack
    data_dir.mkdir()
    environment = {
        **os.environ,
        "CDQ_CURL_LOG": str(log),
        "CDQ_DATA_DIR": str(data_dir),
        "GATEWAY_SIGNING_KEY": stack.secrets.signing_key_pem,
        "GATEWAY_DATABASE_URL": stack.role_url("gateway"),
    }
    ran = subprocess.run(
        ["bash", "-c", RECORDING_CURL + practice_copy(script, contract, stack.gateway)],
        cwd=workspace(tmp_path, contract, stack.gateway),
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    answers = recorded_answers(log.read_text(encoding="utf-8"))
    output = f"{ran.stderr[-3000:]}\n{ran.stdout[-6000:]}"
    for wanted, answer in zip(expected, answers, strict=False):
        assert answer.status == wanted.status, f"{wanted.where}: answered {answer.status}\n{output}"
        for name, value in wanted.headers:
            assert answer.headers.get(name) == value, f"{wanted.where}: {name} is {answer.headers.get(name)}"
    stopped_at = expected[len(answers) - 1].where if 0 < len(answers) <= len(expected) else "its start"
    assert ran.returncode == 0, f"{guide.name} stopped after {stopped_at}:\n{output}"
    assert len(answers) == len(expected), f"{len(answers)} requests made, {len(expected)} documented"
