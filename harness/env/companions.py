"""Companion packages: the ones whose version is tied to another's, so that they move together.

An environment with TensorFlow 2.19 and the tf-keras of 2.16 is not one anybody runs, and a bisect across TF
releases that holds tf-keras fixed measures that mistake, not TensorFlow. The ties, each found in the packages'
own metadata or measured:

* TensorFlow >= 2.16 and tf-keras: transformers' TF models need tf-keras of TensorFlow's minor version
  (tf-keras 2.N requires tensorflow 2.N; with none, transformers fails at import: "Please install the
  backwards-compatible tf-keras package").
* TensorFlow <= 2.15 and keras: Keras 2.N ships inside TF 2.N, pinned by TF's own metadata (keras < 2.N+1).
* TensorFlow on a GPU and its CUDA libraries: `tensorflow[and-cuda]` at the same version (TF >= 2.14).

`companions()` answers for one package at one version; `violations()` checks a whole set of pins (the asv
matrix, whose deliberate mismatches say so). Bisect, the asv matrix and the nightly's newest releases all ask
here: this is the one place that knows the ties.
"""
from __future__ import annotations

from dataclasses import dataclass

from harness.env.packages import minor, req_name

KERAS_3_FROM = (2, 16)   # TensorFlow's first minor with Keras 3 inside, and tf-keras as the Keras 2 package
CUDA_EXTRA_FROM = (2, 14)


@dataclass(frozen=True)
class Companion:
    requirement: str   # what goes into the environment, e.g. "tf-keras>=2.18,<2.19"
    package: str       # its name, e.g. "tf-keras"
    why: str


def _same_minor(package: str, version: tuple[int, int]) -> str:
    major, mn = version
    return f"{package}>={major}.{mn},<{major}.{mn + 1}"


def companions(package: str, version: str, device: str = "cpu") -> list[Companion]:
    """The packages that must move with `package` at `version` (requirements for the same environment)."""
    name, at = req_name(package), minor(version)
    if at is None:
        return []
    out: list[Companion] = []
    if name == "tensorflow" and at >= KERAS_3_FROM:
        out.append(Companion(_same_minor("tf-keras", at), "tf-keras",
                             f"transformers' TF models need tf-keras {at[0]}.{at[1]} with TensorFlow {at[0]}.{at[1]}"))
    if name == "tensorflow" and at < KERAS_3_FROM:
        out.append(Companion(_same_minor("keras", at), "keras", f"TensorFlow {version} ships Keras {at[0]}.{at[1]}"))
    if name == "tensorflow" and device == "gpu" and at >= CUDA_EXTRA_FROM:
        out.append(Companion(f"tensorflow[and-cuda]=={version}", "tensorflow",
                             "TensorFlow's CUDA libraries, at its own version"))
    if name == "tf-keras":
        out.append(Companion(_same_minor("tensorflow", at), "tensorflow",
                             f"tf-keras {at[0]}.{at[1]} requires TensorFlow {at[0]}.{at[1]}"))
    if name == "keras" and at < KERAS_3_FROM:
        out.append(Companion(_same_minor("tensorflow", at), "tensorflow",
                             f"Keras {at[0]}.{at[1]} is the one inside TensorFlow {at[0]}.{at[1]}"))
    return out


def with_companions(package: str, version: str, pins: list[str], device: str = "cpu") -> tuple[list[str],
                                                                                               list[Companion]]:
    """`package==version` (with its CUDA extra on a GPU), then the companions that no pin already names (a
    user's pin wins: a deliberate mismatch is theirs to make). Returns (requirements, the companions used)."""
    name, pinned = req_name(package), {req_name(p) for p in pins}
    tied = companions(package, version, device)
    own = [c for c in tied if c.package == name]
    others = [c for c in tied if c.package != name and c.package not in pinned]
    head = own[0].requirement if own else f"{package}=={version}"
    return [head, *(c.requirement for c in others)], own + others


def moves_with(package: str) -> set[str]:
    """The packages that follow `package` from release to release (so that holding the others fixed never holds
    them): TensorFlow's tf-keras and Keras, tf-keras's TensorFlow."""
    return {"tensorflow": {"tf-keras", "keras"}, "tf-keras": {"tensorflow"}}.get(req_name(package), set())


def _admits(requirement: str, version: str | None) -> bool:
    from packaging.requirements import Requirement

    return version is not None and Requirement(requirement).specifier.contains(version, prereleases=True)


def moved_with_partner(package: str, moved: dict[str, tuple[str | None, str | None]], device: str = "cpu") -> str | None:
    """The partner `package` moved because of, where it did: a companion whose old release does not fit its
    partner's new one (or whose new release does not fit the partner's old one) had to move with it — keras
    2.15 → 3.15 beside TensorFlow 2.15 → 2.16, tf-keras none → 2.16 — and is no suspect of its own."""
    old, new = moved.get(package, (None, None))
    for partner, (p_old, p_new) in moved.items():
        # TensorFlow leads its Keras (tf-keras, keras) and never follows it: one of a tied pair stays a suspect
        if partner != "tensorflow" or package not in moves_with(partner) or not (p_old and p_new):
            continue
        ties_new = {c.package: c.requirement for c in companions(partner, p_new, device)}
        ties_old = {c.package: c.requirement for c in companions(partner, p_old, device)}
        if package in ties_new and not _admits(ties_new[package], old):
            return partner
        if package in ties_old and not _admits(ties_old[package], new):
            return partner
    return None


def moved_on_their_own(moved: dict[str, tuple[str | None, str | None]], device: str = "cpu") -> list[str]:
    """The packages of `moved` ({package: (old, new)}) that are suspects of their own: everything that moved,
    less the companions that only followed a partner (harness/releases/night.py bisects those with it)."""
    return [p for p in moved if moved_with_partner(p, moved, device) is None]


def violations(pins: dict[str, str]) -> list[str]:
    """Where a set of exact pins ({package: version}) breaks a tie, one line each: the asv matrix's environments
    either keep the ties or say that breaking one is their point."""
    out = []
    tf = pins.get("tensorflow")
    if tf and (at := minor(tf)) and at >= KERAS_3_FROM:
        tk = pins.get("tf-keras")
        if tk is None:
            out.append(f"TensorFlow {tf} without tf-keras (transformers' TF models need tf-keras {at[0]}.{at[1]})")
        elif minor(tk) != at:
            out.append(f"tf-keras {tk} with TensorFlow {tf} (the tie is the same minor)")
    return out
