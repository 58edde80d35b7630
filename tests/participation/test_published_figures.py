"""The rule that publishes figures about people: a breakdown whole or not at all, so that no count of 1 to 4
people is published, nor rebuilt from what is."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Sequence
from decimal import Decimal

import pytest

from services.participation.evaluation.domain import members_profile, published_share
from services.participation.members.domain import GENDERS, published_breakdown


def test_a_breakdown_is_published_whole_or_withheld_whole() -> None:
    assert published_breakdown({"f": 6, "m": 5}, listed=GENDERS) == {"f": 6, "m": 5, "x": 0}
    assert published_breakdown({"f": 6, "m": 1}, listed=GENDERS) == {"f": None, "m": None, "x": None}
    # 6 women and one person of another gender: publishing the women (and the men's zero) would give the
    # one other away from the total of 7.
    assert published_breakdown({"f": 6, "x": 1}, listed=GENDERS) == {"f": None, "m": None, "x": None}
    # Categories named only when someone is in them are not named when withheld: three people in three
    # age bands would be one in each.
    assert published_breakdown({"16-25": 1, "26-59": 1, "60+": 1}) == {}
    assert published_breakdown({"16-25": 9, "26-59": 7}) == {"16-25": 9, "26-59": 7}


@pytest.mark.parametrize(
    ("part", "whole", "published"),
    [
        (6, 7, None),  # 0.8571 of 7 members gives the one other member away
        (1, 7, None),
        (5, 10, Decimal("0.5")),
        (7, 7, Decimal("1")),  # zero others reveals no one
        (0, 7, Decimal("0")),
        (0, 3, None),  # three people: too few to say anything of them
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
    assert profile.genders == {"f": None, "m": None, "x": None}
    balanced = [("f", "26-59", "resident")] * 5 + [("m", "60+", "association")] * 5
    assert members_profile(balanced).residents_share == Decimal("0.5")


def _determined_small_counts(categories: Sequence[str], listed: Sequence[str], most: int) -> list[str]:
    """Every breakdown of up to `most` people over `categories` (a category not `listed` is counted only when
    someone is in it, as a Counter does), grouped by what is published with its total: within a group, a
    count of 1 to 4 that is the same in every breakdown is one the publication gives away."""
    groups: dict[tuple[int, tuple[tuple[str, int | None], ...]], list[tuple[int, ...]]] = defaultdict(list)
    for counts in itertools.product(range(most + 1), repeat=len(categories)):
        if sum(counts) > most:
            continue
        counted = Counter({category: count for category, count in zip(categories, counts, strict=True) if count})
        published = published_breakdown(counted, listed=listed)
        groups[(sum(counts), tuple(sorted(published.items())))].append(counts)
    given_away = []
    for (total, shown), breakdowns in groups.items():
        for index, category in enumerate(categories):
            values = {breakdown[index] for breakdown in breakdowns}
            if len(values) == 1 and 0 < next(iter(values)) < 5:
                given_away.append(f"{category}={values.pop()} of {total}, published {dict(shown)}")
    return given_away


@pytest.mark.parametrize(
    ("categories", "listed"),
    [
        (GENDERS, GENDERS),  # genders: always listed
        (("16-25", "26-59", "60+"), ()),  # age bands: named when someone is in them
        (("resident", "other"), ()),
    ],
    ids=["genders", "age-bands", "residents"],
)
def test_no_count_of_one_to_four_people_is_given_away_by_a_publication(
    categories: Sequence[str], listed: Sequence[str]
) -> None:
    assert _determined_small_counts(categories, listed, most=12) == []


def test_a_year_not_ended_publishes_its_members_count_alone() -> None:
    ten = [("f", "26-59", "resident")] * 5 + [("m", "60+", "association")] * 5
    assert members_profile(ten).genders == {"f": 5, "m": 5, "x": 0}
    running = members_profile(ten, year_ended=False)
    assert (running.members, running.genders, running.age_bands, running.residents_share) == (
        10,
        {"f": None, "m": None, "x": None},
        {},
        None,
    )
