from __future__ import annotations

import pytest

from tests.steps import step


def test_a_failure_inside_a_step_names_the_step() -> None:
    with pytest.raises(AssertionError) as failure, step("the comité freezes the scenario"):
        assert 1 == 2
    assert failure.value.__notes__ == ["in the step: the comité freezes the scenario"]
