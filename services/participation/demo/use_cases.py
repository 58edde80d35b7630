"""The demo: the CUA's bodies named in the contract with FICTITIOUS members, meetings and opinions, loaded
once by the command that sets up a local stack (`./dev up`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.unit_of_work import UnitOfWork
from services.participation.demo.repository import DemoRepository, DemoRows

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "cua_demo.json"


@dataclass(frozen=True, slots=True)
class DemoReport:
    loaded: bool
    bodies: int
    people: int
    meetings: int
    opinions: int


def read_demo_spec(path: Path = DATA_FILE) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return spec


async def load_demo(uow: UnitOfWork, spec: dict[str, Any]) -> DemoReport:
    """Load the demo once: a second load finds the first body and changes nothing."""
    demo = DemoRows(spec, uow.now())
    async with uow:
        repository = DemoRepository(uow.session)
        if await repository.loaded(demo):
            return DemoReport(False, 0, 0, 0, 0)
        demo.build()
        await repository.insert(demo)
        await uow.commit()
    return DemoReport(True, len(demo.bodies), demo.people, demo.meetings, demo.opinions)
