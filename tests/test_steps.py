from __future__ import annotations

import pytest

from tests.steps import step


def test_a_failure_inside_a_step_names_the_step() -> None:
    frozen = False
    with pytest.raises(AssertionError) as failure, step("the comité freezes the scenario"):
        assert frozen
    assert failure.value.__notes__ == ["in the step: the comité freezes the scenario"]
