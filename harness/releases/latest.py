"""The newest releases of the libraries fitbench tracks, read from the package index, and the environment that
holds them: what `fitbench nightly --latest` builds each night without anyone typing a version number.

TensorFlow, tf-keras, Keras and transformers are resolved one by one, final releases only unless `pre`, within
the bounds given (`within`, default `transformers<5`: 5.x has no TensorFlow models). The ties are
harness/env/companions.py's: tf-keras is the newest release of TensorFlow's own minor (from TF 2.16 on; none
before), Keras the newest 3.x beside TF >= 2.16 and the one of TF's minor before it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from harness.env.companions import KERAS_3_FROM
from harness.env.packages import is_final, minor, req_name, version_key

PACKAGES = ("tensorflow", "tf-keras", "keras", "transformers")
DEFAULT_WITHIN = ("transformers<5",)


@dataclass(frozen=True)
class Releases:
    versions: dict[str, str | None]                 # package -> the release chosen (None: none fits)
    why: dict[str, str] = field(default_factory=dict)   # package -> how it was chosen, where it is not "newest"

    def requirements(self) -> list[str]:
        return [f"{p}=={v}" for p, v in self.versions.items() if v]

    def tag(self) -> str:
        """'tf2.21.0-tfk2.21.0-k3.15.1-tr4.57.6': a name for this environment's results."""
        short = {"tensorflow": "tf", "tf-keras": "tfk", "keras": "k", "transformers": "tr"}
        return "-".join(f"{short[p]}{v or 'none'}" for p, v in self.versions.items())

    def moved(self, previous: dict[str, str | None]) -> dict[str, tuple[str | None, str | None]]:
        """{package: (last night's, tonight's)} for the packages whose release changed."""
        return {p: (previous.get(p), v) for p, v in self.versions.items() if previous.get(p) != v}


def _within(within: tuple[str, ...]) -> dict[str, object]:
    from packaging.requirements import Requirement

    return {req_name(r): Requirement(r).specifier for r in within}


def _newest(available: list[str], pre: bool, accept: Callable[[str], bool] = lambda v: True) -> str | None:
    chosen = [v for v in available if (pre or is_final(v)) and accept(v)]
    return max(chosen, key=version_key) if chosen else None


def resolve(list_versions: Callable[..., list[str]], pre: bool = False,
            within: tuple[str, ...] = DEFAULT_WITHIN) -> Releases:
    """The newest releases; IndexUnreachable (from `list_versions(package, pre)`) where the index cannot be asked."""
    bounds = _within(within)

    def allowed(package: str) -> Callable[[str], bool]:
        spec = bounds.get(package)
        return (lambda v: spec.contains(v, prereleases=pre)) if spec is not None else (lambda v: True)

    available = {p: list_versions(p, pre) for p in PACKAGES}
    tf = _newest(available["tensorflow"], pre, allowed("tensorflow"))
    at = minor(tf or "")
    versions: dict[str, str | None] = {"tensorflow": tf}
    why: dict[str, str] = {}
    if at and at >= KERAS_3_FROM:
        versions["tf-keras"] = _newest(available["tf-keras"], pre, lambda v: minor(v) == at and allowed("tf-keras")(v))
        versions["keras"] = _newest(available["keras"], pre, lambda v: v.startswith("3.") and allowed("keras")(v))
        why["tf-keras"] = f"the newest of TensorFlow's minor {at[0]}.{at[1]} (the tie)"
        if versions["tf-keras"] is None:
            why["tf-keras"] = f"no tf-keras {at[0]}.{at[1]} released yet: transformers' TF models cannot load"
    else:
        versions["tf-keras"] = None
        versions["keras"] = _newest(available["keras"], pre, lambda v: minor(v) == at)
        why["keras"] = "the Keras 2 inside this TensorFlow"
    versions["transformers"] = _newest(available["transformers"], pre, allowed("transformers"))
    for package, spec in bounds.items():
        if package in versions:
            why.setdefault(package, f"the newest within {spec}")
    return Releases({p: versions.get(p) for p in PACKAGES}, why)
