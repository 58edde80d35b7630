"""The rule that publishes figures about people: no count under five, and nothing that rebuilds one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.participation.evaluation.domain import members_profile, published_share
from services.participation.members.domain import published_breakdown


def test_a_breakdown_hides_small_counts_and_the_one_that_would_rebuild_them() -> None:
    assert published_breakdown({"f": 6, "m": 1}) == {"f": None, "m": None}
    assert published_breakdown({"f": 6, "m": 5}) == {"f": 6, "m": 5}
    assert published_breakdown({"a": 9, "b": 7, "c": 2}) == {"a": 9, "b": None, "c": None}
    assert published_breakdown({"f": 7, "m": 0}) == {"f": 7, "m": 0}


@pytest.mark.parametrize(
    ("part", "whole", "published"),
    [
        (6, 7, None),  # 0.8571 of 7 members gives the one other member away
        (1, 7, None),
        (5, 10, Decimal("0.5")),
        (7, 7, Decimal("1")),  # zero others reveals no one
        (0, 7, Decimal("0")),
        (0, 3, None),  # three people, too few to publish anything about them
        (0, 0, None),
    ],
)
def test_a_share_is_published_only_where_both_its_counts_would_be(
    part: int, whole: int, published: Decimal | None
) -> None:
    assert published_share(part, whole) == published


def test_the_members_profile_hides_the_residents_share_that_would_reveal_a_count() -> None:
    six_residents_one_actor = [("f", "26-59", "resident")] * 6 + [("m", "26-59", "local_actor")]
    profile = members_profile(six_residents_one_actor)
    assert (profile.members, profile.residents_share) == (7, None)
    assert profile.genders == {"f": None, "m": None}
    balanced = [("f", "26-59", "resident")] * 5 + [("m", "60+", "association")] * 5
    assert members_profile(balanced).residents_share == Decimal("0.5")
