"""The date bound (harness/env/asof.py) against a fake index with dates: the newest exactly pinned release sets
it, a ranged pin with nothing in range yet gets a later bound of its own (or moves the whole bound where the
installer has no per-package bound), and a pin the index cannot date is IndexUnreachable."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from harness.env.asof import date_bound, stamp
from harness.env.index import IndexUnreachable


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


INDEX = {"transformers": {"4.24.0": day("2022-11-01T14:03:30"), "4.30.2": day("2023-06-13T19:27:30")},
         "tensorflow": {"2.12.1": day("2023-07-05T16:57:27"), "2.18.0": day("2024-10-24T18:00:00")},
         "tf-keras": {"2.17.0": day("2024-07-12T00:00:00"), "2.18.0": day("2024-10-25T09:00:00")},
         "keras": {"2.12.0": day("2023-03-20T21:09:17")}}
ONE_S = timedelta(seconds=1)


def fake_dates(package: str) -> dict[str, datetime]:
    if package not in INDEX:
        raise IndexUnreachable(f"{package}: not found on the package index")
    return INDEX[package]


def test_the_newest_pinned_release_sets_the_bound_one_second_past_it():
    bound = date_bound(["transformers==4.24.0", "tensorflow==2.12.1", "keras>=2.12,<2.13"], fake_dates)
    assert bound.as_of == INDEX["tensorflow"]["2.12.1"] + ONE_S and bound.set_by == "tensorflow 2.12.1"
    assert bound.per_package == {}  # keras 2.12.0 was out by then
    assert bound.describe() == {"as_of": "2023-07-05T16:57:28Z", "set_by": "tensorflow 2.12.1"}


def test_extras_and_the_index_spelling_of_a_version_are_the_release():
    bound = date_bound(["tensorflow[and-cuda]==2.12.1.0"], fake_dates)
    assert bound.set_by == "tensorflow 2.12.1" and stamp(bound.as_of) == "2023-07-05T16:57:28Z"


def test_a_companion_released_after_the_bound_gets_its_own():
    """tf-keras 2.18.0 came out the day after TensorFlow 2.18.0: a bound at TF's upload would exclude the only
    release of the tie's range, so tf-keras gets its first release in range as its own bound."""
    pins = ["tensorflow==2.18.0", "tf-keras>=2.18,<2.19"]
    bound = date_bound(pins, fake_dates)
    assert bound.as_of == INDEX["tensorflow"]["2.18.0"] + ONE_S
    assert bound.per_package == {"tf-keras": INDEX["tf-keras"]["2.18.0"] + ONE_S}
    moved = date_bound(pins, fake_dates, per_package=False)  # an installer without --exclude-newer-package
    assert moved.as_of == INDEX["tf-keras"]["2.18.0"] + ONE_S and moved.per_package == {}
    assert "moved to tf-keras's first release in range" in moved.set_by


def test_nothing_exact_is_no_bound_and_an_undatable_pin_is_unreachable():
    assert date_bound(["numpy<2", "tf-keras>=2.18,<2.19"], fake_dates) is None
    with pytest.raises(IndexUnreachable, match="transformers 9.9.9: no such release"):
        date_bound(["transformers==9.9.9"], fake_dates)
    with pytest.raises(IndexUnreachable, match="nosuch: not found"):
        date_bound(["nosuch==1.0"], fake_dates)
