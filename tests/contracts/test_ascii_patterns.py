"""Codes, identifiers and amounts hold ASCII digits only: no pattern of the committed contracts, nor any
regular expression of the code, uses a Unicode class (`\\d`, `\\w`, `\\s` and their negations), which both
pydantic-core's Rust regex and Python's `re` extend to every script's digits, letters and spaces."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cli.openapi_documents import OPENAPI_DIR

ROOT = Path(__file__).resolve().parents[2]
UNICODE_CLASS = re.compile(r"\\[dDwWsS]")
CASE_FOLDING = re.compile(r"\(\?[a-z]*i")  # (?i): [A-Z] then matches the Kelvin sign and the long s
DOCUMENTS = sorted(OPENAPI_DIR.glob("*.json"))


def patterns(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(where, pattern) for every `pattern` and every `patternProperties` key of a JSON Schema tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield where, value
            elif key == "patternProperties" and isinstance(value, dict):
                yield from ((f"{where}/patternProperties", name) for name in value)
            yield from patterns(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from patterns(value, f"{where}/{index}")


def test_the_four_contracts_are_walked() -> None:
    assert [path.stem for path in DOCUMENTS] == ["gateway", "grants", "participation", "territories"]
    found = [pattern for path in DOCUMENTS for _, pattern in patterns(json.loads(path.read_text(encoding="utf-8")))]
    assert "^[0-9]{14}$" in found  # SIRET
    assert len(found) > 30


@pytest.mark.parametrize("path", DOCUMENTS, ids=[path.stem for path in DOCUMENTS])
def test_no_pattern_admits_non_ascii_digits_letters_or_spaces(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    offending = [
        (where, pattern)
        for where, pattern in patterns(document)
        if UNICODE_CLASS.search(pattern) or CASE_FOLDING.search(pattern)
    ]
    assert offending == [], "write [0-9], [A-Za-z], [ ] instead"


def _string_constants(path: Path) -> Iterator[tuple[int, str]]:
    """Every string literal of a module but its docstrings (which may name `\\d` to explain why not)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    documented = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, documented) and node.body and isinstance(node.body[0], ast.Expr)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_no_regular_expression_of_the_code_uses_a_unicode_class() -> None:
    """Domain checks (SIRET keys, Dauphin numbers, CSV cells) are regular expressions too."""
    offending = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for folder in ("kit", "identity", "services", "gateway")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for line, text in _string_constants(path)
        if UNICODE_CLASS.search(text)
    ]
    assert offending == []


def test_the_walker_finds_nested_patterns() -> None:
    schema = {"a": {"pattern": "^x$"}, "b": [{"propertyNames": {"pattern": "^y$"}}], "patternProperties": {"^z": {}}}
    assert sorted(pattern for _, pattern in patterns(schema)) == ["^x$", "^y$", "^z"]
