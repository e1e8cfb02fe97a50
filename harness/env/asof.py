"""Resolving an environment *as it was*: the date bound that keeps its transitive dependencies those of its time.

An environment for transformers 4.24 and TensorFlow 2.12.1 resolved against today's index gets today's
huggingface-hub, datasets, pandas and pyarrow — releases no user of 2023 had, some of which fail beside a 2023
TensorFlow for reasons that have nothing to do with the package a bisect is about. Resolved with the index as it
was when the newest of its pinned releases came out (uv's `--exclude-newer`), it gets what its users got.

The bound is the newest upload among the *exactly* pinned releases (`name==version`), one second past it: every
pin is a candidate, the rest resolves as of that moment. A ranged pin (a companion like `tf-keras>=2.18,<2.19`,
a user's `numpy<2`) none of whose releases existed yet at the bound gets a later bound of its own, at its first
release in range (uv's `--exclude-newer-package`; where the installer has no such flag, the whole bound moves
there instead). Explicit pins always win: a bound never excludes one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from harness.env.index import IndexUnreachable, ReleaseDates
from harness.env.packages import req_name

PAST = timedelta(seconds=1)  # the installers exclude what was uploaded *at* the bound too: one second past it


def stamp(when: datetime) -> str:
    """'2023-07-05T16:57:28Z': how a bound is written on the command line and in records."""
    return when.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class DateBound:
    """No release uploaded after `as_of` is a candidate, except for the packages of `per_package`, whose own
    later bound replaces it. `set_by` names the pinned release whose upload set it."""
    as_of: datetime
    set_by: str
    per_package: dict[str, datetime] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """As a record's env and a transcript say it."""
        out: dict[str, Any] = {"as_of": stamp(self.as_of), "set_by": self.set_by}
        if self.per_package:
            out["per_package"] = {name: stamp(when) for name, when in sorted(self.per_package.items())}
        return out

    def key(self) -> str:
        """What part of an environment's identity the bound is (its cache folder's hash)."""
        return stamp(self.as_of) + "".join(f" {n}={stamp(w)}" for n, w in sorted(self.per_package.items()))


def _exact(requirement: str) -> tuple[str, str] | None:
    """(name, version) of `name==version` (extras allowed); None for a range or anything else."""
    from packaging.requirements import Requirement

    specs = list(Requirement(requirement).specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return req_name(requirement), specs[0].version
    return None


def _uploaded(dates: ReleaseDates, name: str, version: str) -> tuple[str, datetime]:
    """(the version as the index spells it, its upload)."""
    found = dates(name)
    if version not in found:
        # the index lists 2.12.1 as "2.12.1", a pin may say "2.12.1.0": compare as versions before giving up
        from packaging.version import Version

        match = [v for v in found if Version(v) == Version(version)]
        if not match:
            raise IndexUnreachable(f"{name} {version}: no such release on the package index")
        version = match[0]
    return version, found[version]


def date_bound(pins: list[str], dates: ReleaseDates, per_package: bool = True) -> DateBound | None:
    """The bound for an environment with `pins`; None where no pin is exact (nothing to date it by).
    IndexUnreachable where the index cannot say when a pinned release was uploaded."""
    from packaging.requirements import Requirement

    exact = [e for e in (_exact(p) for p in pins) if e]
    if not exact:
        return None
    uploads = dict((f"{name} {spelt}", when) for name, version in exact
                   for spelt, when in [_uploaded(dates, name, version)])
    set_by = max(uploads, key=lambda k: uploads[k])
    as_of, later = uploads[set_by] + PAST, {}
    pinned = {name for name, _ in exact}
    for pin in pins:
        name = req_name(pin)
        if name in pinned or name in later:
            continue
        spec = Requirement(pin).specifier
        in_range = {v: when for v, when in dates(name).items() if spec.contains(v)}
        if not in_range or min(in_range.values()) < as_of:
            continue  # a release in range existed by then (or none ever will: the resolver says so)
        later[name] = min(in_range.values()) + PAST
    if later and not per_package:
        as_of = max([as_of, *later.values()])
        set_by += " (moved to " + ", ".join(f"{n}'s first release in range" for n in sorted(later)) + ")"
        later = {}
    return DateBound(as_of, set_by, later)
