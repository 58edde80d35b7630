"""An app served exactly as `uvicorn` serves it, but writing no events: bench/events.py's baseline for the cost
of the outbox (the same write, the same process setup, the event neither noted nor written).

    python -m bench.without_outbox <uvicorn arguments>

Bench only: the switch lives here, never in the product (a product setting could switch the guarantee off).
"""

from __future__ import annotations

from typing import Any

import uvicorn

import kit.ledger
import kit.unit_of_work
import kit.write_pipeline


async def _write_nothing(*_args: Any, **_options: Any) -> None:
    return None


def _note_nothing(*_args: Any, **_options: Any) -> None:
    return None


if __name__ == "__main__":
    # The names the write path calls the outbox by, in the modules that call them.
    for module, name, replacement in (
        (kit.ledger, "note_event", _note_nothing),
        (kit.write_pipeline, "write_pending", _write_nothing),
        (kit.unit_of_work, "write_pending", _write_nothing),
    ):
        if not callable(getattr(module, name, None)):
            raise SystemExit(f"{module.__name__}.{name} is gone: update bench/without_outbox.py")
        setattr(module, name, replacement)
    uvicorn.main()
