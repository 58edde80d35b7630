"""Steps of a scenario test: a failure says which step of the story broke, not only which line.

    with step("the comité freezes the scenario"):
        ...

An assertion (or any error) raised inside carries a note naming the step, which pytest prints with it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def step(name: str) -> Iterator[None]:
    try:
        yield
    except Exception as error:
        error.add_note(f"in the step: {name}")
        raise
