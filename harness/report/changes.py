"""What changed when: every place in the records where one library's release changed a variant's behaviour.

Environments are compared along one library at a time — transformers with TensorFlow and tf-keras held, TensorFlow
with transformers held (tf-keras following it, or absent on both sides), tf-keras with both held — between
consecutive releases that the records hold. Where the behaviour of a (case, variant) differs — its identity
(harness.verdict.behaviour.identity: the symptom, a failure's exception type and its normalised informative line),
the one compare, the nightly and bisect use — that is a change; changes of the same kind between the same two
environments are one row. A failure with the same type and another line is a row of its own, "fails
differently", with both lines. Where nothing changed across a pair of environments, that is a row too ("none"): knowing that a release
changed nothing is what a user on an old pin asks. README's "What changed when" table is generated from the
committed records with this (benchmarks/scripts/what_changed_when.py), and a test holds the two together.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from harness.env.companions import violations
from harness.env.packages import version_key
from harness.results.groups import majority
from harness.results.records import RunRecord
from harness.verdict.behaviour import SEP, identity, label

# the library that moves, and the ones held: "tf-keras?" holds whether tf-keras keeps its tie to TensorFlow
AXES = {"transformers": ("tensorflow", "tf-keras"), "tensorflow": ("transformers", "tf-keras?"),
        "tf-keras": ("tensorflow", "transformers")}


@dataclass(frozen=True)
class Change:
    axis: str
    held: str               # "TF 2.12.1", "transformers 4.40.2 · tf-keras", ...
    between: tuple[str, str]
    change: str             # "plateau → unsupported (ImportError)", "fails differently (…): A → B", or "none"
    variants: tuple[str, ...]  # case:variant, in the order the records name them


def _version(record: RunRecord, package: str) -> str:
    versions = (record.env or {}).get("versions") or {}
    if package == "tf-keras?":  # along TensorFlow, tf-keras follows it: held is whether the tie is kept
        tf, tfk = versions.get("tensorflow"), versions.get("tf-keras")
        if not tf or not violations({"tensorflow": tf, **({"tf-keras": tfk} if tfk else {})}):
            return "tied"
        return f"tf-keras {tfk}" if tfk else "without"
    return versions.get(package) or "none"


def _held_label(held: tuple[str, ...], values: tuple[str, ...]) -> str:
    names = {"tensorflow": "TF", "tf-keras": "tf-keras", "transformers": "transformers", "tf-keras?": "tf-keras"}
    parts = []
    for package, value in zip(held, values):
        if package.endswith("?"):
            parts.append({"tied": "tf-keras following TF", "without": "no tf-keras"}.get(value, value))
        elif not (package == "tf-keras" and value == "none"):
            parts.append(f"{names[package]} {value}")
        else:
            parts.append("no tf-keras")
    return " · ".join(parts)


def changes(records: list[RunRecord], device: str = "cpu") -> list[Change]:
    """Every change (and every pair of neighbouring environments without one), for one device class."""
    records = [r for r in records if r.device == device and r.outcome != "skipped"]
    out: list[Change] = []
    for axis, held in AXES.items():
        # (case, variant, held values) -> {axis version: [behaviours]}
        bands: dict[tuple, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for r in records:
            values = tuple(_version(r, p) for p in held)
            bands[(r.case, r.variant, values)][_version(r, axis)].append(identity(r))
        rows: dict[tuple, list[str]] = defaultdict(list)
        for (case, variant, values), by_version in bands.items():
            ordered = sorted(by_version, key=version_key)
            for a, b in zip(ordered, ordered[1:]):
                what = _what(majority(by_version[a]), majority(by_version[b]))
                rows[(_held_label(held, values), a, b, what)].append(f"{case}:{variant}")
        for (held_label, a, b, what), variants in rows.items():
            out.append(Change(axis, held_label, (a, b), what, tuple(dict.fromkeys(variants))))
    return sorted(out, key=lambda c: (c.axis, c.held, version_key(c.between[0]), c.change == "none", c.change))


def _what(before: str, after: str) -> str:
    """A row's change, from two identities: the labels where they differ, both lines where only the lines do."""
    if before == after:
        return "none"
    if label(before) != label(after):
        return f"{label(before)} → {label(after)}"
    return f"fails differently ({label(before)}): {before.partition(SEP)[2]} → {after.partition(SEP)[2]}"


def _variants_text(variants: list[str], of_case: dict[str, int]) -> str:
    """'`initial_loss` (all 4)' where every variant of a case is there, else its variants; beyond 6 cases, a count."""
    by_case: dict[str, list[str]] = defaultdict(list)
    for cv in variants:
        case, _, variant = cv.partition(":")
        by_case[case].append(variant)
    if len(by_case) > 6:
        return f"{len(variants)} variants of {len(by_case)} cases"
    parts = []
    for case, names in by_case.items():
        if of_case.get(case) == len(names) and len(names) > 1:
            parts.append(f"`{case}` (all {len(names)})")
        else:
            parts.append(", ".join(f"`{case}:{n}`" for n in names))
    return "; ".join(parts)


def markdown(rows: list[Change], of_case: dict[str, int]) -> str:
    """The README's table. A change with one behaviour before and several after (an environment where nothing
    ran, then each variant doing its own thing) is one row; releases with no change at all are one row per
    held environment, from the first to the last release compared."""
    lines = ["| library | held | releases | change | variants |", "| --- | --- | --- | --- | --- |"]
    grouped: dict[tuple, list[Change]] = defaultdict(list)
    for c in rows:
        if c.change != "none":
            grouped[(c.axis, c.held, c.between)].append(c)
    for (axis, held, (a, b)), found in grouped.items():
        apart = [c for c in found if c.change.startswith("fails differently")]  # two lines: never merged
        merged = _collapse([c for c in found if c not in apart]) if len(apart) < len(found) else []
        for change, variants in merged + [(c.change, list(c.variants)) for c in apart]:
            lines.append(f"| {axis} | {held} | {a} → {b} | {change} | {_variants_text(variants, of_case)} |")
    bands: dict[tuple, list[Change]] = defaultdict(list)
    for c in rows:
        bands[(c.axis, c.held)].append(c)
    for (axis, held), band in bands.items():
        for run in _quiet_runs(band):
            lines.append(f"| {axis} | {held} | {run[0]} … {run[-1]} ({len(run)} releases) | none | "
                         f"no variant that ran there changed between neighbouring releases |")
    return "\n".join(lines)


def _quiet_runs(band: list[Change]) -> list[list[str]]:
    """Maximal runs of a band's releases (every release any variant ran in) with no change across them."""
    versions = sorted({v for c in band for v in c.between}, key=version_key)
    spans = [(version_key(c.between[0]), version_key(c.between[1])) for c in band if c.change != "none"]
    runs: list[list[str]] = [[versions[0]]] if versions else []
    for a, b in zip(versions, versions[1:]):
        if any(lo <= version_key(a) and version_key(b) <= hi for lo, hi in spans):
            runs.append([b])  # a change lies across this gap: the run ends here
        else:
            runs[-1].append(b)
    return [run for run in runs if len(run) > 1]


def _side(behaviours: list[tuple[str, int]]) -> str:
    """'ok ×22, plateau ×8' — or 'unsupported (ImportError ×40, RuntimeError ×2)' where one symptom has several
    exception types — or the one behaviour alone."""
    if len(behaviours) == 1:
        return behaviours[0][0]
    symptoms_ = {b.split(" (")[0] for b, _ in behaviours}
    if len(symptoms_) == 1 and all(" (" in b for b, _ in behaviours):
        kinds = ", ".join(f"{b.split(' (', 1)[1].rstrip(')')} ×{n}" for b, n in behaviours)
        return f"{symptoms_.pop()} ({kinds})"
    return ", ".join(f"{b} ×{n}" for b, n in behaviours)


def _collapse(found: list[Change]) -> list[tuple[str, list[str]]]:
    """The changes between two environments as few rows as they say: one when every variant ends (or starts)
    in the same symptom, else one per behaviour before."""
    pairs = [(c.change.partition(" → ")[0], c.change.partition(" → ")[2], list(c.variants)) for c in found]

    def counted(index: int) -> list[tuple[str, int]]:
        totals: dict[str, int] = defaultdict(int)
        for pair in pairs:
            totals[pair[index]] += len(pair[2])
        return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))

    every = [v for _, _, variants in pairs for v in variants]
    if len({after.split(" (")[0] for _, after, _ in pairs}) == 1 or len({b for b, _, _ in pairs}) == 1:
        return [(f"{_side(counted(0))} → {_side(counted(1))}", every)]
    by_before: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    for before, after, variants in pairs:
        by_before[before].append((after, variants))
    out = []
    for before, afters in by_before.items():
        totals = sorted(((after, len(v)) for after, v in afters), key=lambda kv: (-kv[1], kv[0]))
        out.append((f"{before} → {_side(totals)}", [v for _, vs in afters for v in vs]))
    return out
