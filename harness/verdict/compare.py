"""Two sets of records → a Verdict: what changed between a baseline and a current run, and whether it counts.

Records with the same (case, variant, device, environment) are repeats and are grouped
(harness/results/groups.py). A current group whose exact environment is not in the baseline is matched to the
baseline's only environment for the same (case, variant, device): that is how a library upgrade shows up. Each
matched pair is asked for its behaviour finding (harness/verdict/behaviour.py) and, where behaviour and
hardware are the same on both sides, for its performance suspects (harness/verdict/performance.py); the pairs
that do not match are coverage (harness/verdict/coverage.py). `only` limits both sides to the (case, variant)
pairs a run was asked for: what was not asked for is not "not run".
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

from harness.env.code import describe_code
from harness.results.groups import Key, group_records, hardware, hardware_identity
from harness.results.records import CorruptResults, RunRecord
from harness.results.reading import read_records
from harness.verdict import behaviour, performance
from harness.verdict.coverage import Defined, coverage_findings
from harness.verdict.findings import UNDECIDED, Finding, Verdict
from harness.verdict.noise import BUSY, FACTOR, K, TIMING_FACTOR


class NothingInCommon(CorruptResults):
    """Two sets of records that share no (case, variant, device): nothing to compare (exit 2, one line)."""


def match_groups(base: dict[Key, list[RunRecord]], cur: dict[Key, list[RunRecord]]) -> list[tuple[Key, Key]]:
    """(baseline key, current key) pairs: the same environment, or the baseline's only environment for the
    same (case, variant, device)."""
    by_triple: dict[tuple[str, str, str], list[Key]] = defaultdict(list)
    for kb in base:
        by_triple[kb[:3]].append(kb)
    pairs = []
    for kc in cur:
        candidates = [kc] if kc in base else by_triple.get(kc[:3], [])
        if len(candidates) == 1:
            pairs.append((candidates[0], kc))
    return pairs


def compare_records(base_records: list[RunRecord], cur_records: list[RunRecord], k: float = K,
                    defined: Defined | None = None, only: Iterable[tuple[str, str]] | None = None,
                    spread: performance.Spread | None = None, history: performance.Baseline | None = None,
                    steps: Iterable[Finding] = (), files: dict[str, str] | None = None) -> Verdict:
    """The verdict of `cur_records` against `base_records`, built once here (`steps`: the history's suspects,
    `files`: where the sides came from). NothingInCommon where they share no variant."""
    if only is not None:
        wanted = set(only)
        base_records = [r for r in base_records if (r.case, r.variant) in wanted]
        cur_records = [r for r in cur_records if (r.case, r.variant) in wanted]
    base, cur = group_records(base_records), group_records(cur_records)
    if base and cur and not {k[:3] for k in base} & {k[:3] for k in cur}:
        raise NothingInCommon("the two sides share no (case, variant, device): nothing to compare")
    noise: dict[str, Any] = {"k": k, "factor": FACTOR, "timing_factor": TIMING_FACTOR}
    pairs = match_groups(base, cur)
    found, measured, other_hardware = [], [], set()
    for kb, kc in pairs:
        f = behaviour.finding(kb, kc, base[kb], cur[kc], cur_records)
        if f is not None:
            found.append(f)
        if not performance.comparable(base[kb], cur[kc]):
            continue
        if not performance.same_hardware(base[kb], cur[kc]):
            other_hardware.add((hardware(base[kb][0]), hardware(cur[kc][0])))
            continue
        measured.append((kb, kc))
    # what moved every variant tonight is known before any one of them is suspected against it
    read = [performance.read_pair(kb, kc, base[kb], cur[kc], history) for kb, kc in measured]
    ratios = [performance.pair_moves(pair) for pair in read]
    noise["spread"], noise["moved"] = performance.cross_variant_spread(ratios), performance.shared_move(ratios)
    suspects = [f for pair in read for f in performance.suspects(pair, k, spread, noise, noise["moved"])]
    steps = list(steps)
    # a step that began in the baseline night is said once, as that step, not re-measured against it as a suspect
    said = {(f.variants[0], f.metric) for f in steps if f.status == UNDECIDED}
    suspects = [f for f in suspects if (f.variants[0], f.metric) not in said]
    return Verdict(
        behaviour=behaviour.group_by_cause(found), coverage=coverage_findings(base, cur, defined),
        performance=[*performance.by_effect(suspects), *steps],
        environments=sorted({(kb[3], kc[3]) for kb, kc in pairs if kb[3] != kc[3]}),
        hardware=_hardware_line(other_hardware), code=code_sides(base_records, cur_records),
        notes=_condition_notes(base_records, cur_records), noise=noise, files=dict(files or {}),
        costs={f"{kc[0]}:{kc[1]}": _median_wall(base[kb]) + _median_wall(cur[kc]) for kb, kc in pairs})


def _median_wall(records: list[RunRecord]) -> float:
    walls = sorted(r.wall_s for r in records if r.wall_s)
    return walls[len(walls) // 2] if walls else 0.0


def _hardware_line(pairs: set[tuple[str, str]]) -> str:
    if not pairs:
        return ""
    sides = "; ".join(f"{b} vs {c}" for b, c in sorted(pairs))
    return f"hardware differs ({sides}): timings and memory are not compared across machines; behaviour only"


def _condition_notes(base: list[RunRecord], cur: list[RunRecord]) -> list[str]:
    """Where the two sides ran under other conditions on the same machine (fewer CPUs, thread limits)."""
    def conditions(records: list[RunRecord]) -> set[str]:
        out = set()
        for r in records:
            c = (r.env or {}).get("conditions") or {}
            if c:
                threads = ", ".join(f"{k}={v}" for k, v in sorted((c.get("threads") or {}).items()))
                quota = (c.get("cpu_quota") or {}).get("cpus")
                out.add(f"{len(c.get('affinity') or [])} CPUs" + (f", a quota of {quota:g} CPUs" if quota else "")
                        + (f", {threads}" if threads else "")
                        + (f", an injected slowdown {c['inject']}" if c.get("inject") else ""))
        return out

    b, c = conditions(base), conditions(cur)
    notes = []
    if b and c and b != c:
        notes.append(f"run conditions differ: baseline {', '.join(sorted(b))}; current {', '.join(sorted(c))}")
    return notes + _busy_notes(base, cur)


def _busy_notes(base: list[RunRecord], cur: list[RunRecord]) -> list[str]:
    """Where a side's steps ran while other processes used the machine (the records' `others_cpu_share`): its
    timings moved with them, and its suspects say more about that night than about the libraries."""
    notes = []
    for label, records in (("baseline", base), ("current", cur)):
        shares = sorted(x for r in records if isinstance(x := r.diagnostics.get("others_cpu_share"), (int, float)))
        busy = sum(1 for x in shares if x > BUSY)
        if busy:
            notes.append(f"the {label} ran beside other work: in {busy} of {len(shares)} variants other processes "
                         f"used more than {BUSY:.0%} of the machine's CPUs (up to {shares[-1]:.0%}) while the steps "
                         f"ran; its timings carry that noise")
    return notes


def code_sides(base: list[RunRecord], cur: list[RunRecord]) -> dict[str, list[str]] | None:
    """Which fitbench made each side, where the two differ ({"baseline": [...], "current": [...]}), else None:
    a timing that moved between two fitbench versions may be fitbench's own doing, not the libraries'."""
    def identities(records: list[RunRecord]) -> dict[Any, dict[str, Any] | None]:
        out: dict[Any, dict[str, Any] | None] = {}
        for r in records:
            identity = (r.env or {}).get("fitbench")
            out.setdefault((identity or {}).get("code"), identity)
        return out

    b, c = identities(base), identities(cur)
    if set(b) == set(c):
        return None  # the same code on both sides (or neither says which: nothing to tell)
    return {"baseline": sorted(describe_code(i) for i in b.values()),
            "current": sorted(describe_code(i) for i in c.values())}


def load_side(path: Path) -> list[RunRecord]:
    """The records of one side: a results file, or every .jsonl record file in a folder (an asv results folder's
    machine.json and benchmark JSON are not records and are left out). CorruptResults names what is wrong."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.jsonl") if p.is_file())
        if not files:
            raise CorruptResults(f"{path}: a folder without fitbench records (*.jsonl); pass a results file such "
                                 f"as results/runs/<timestamp>.jsonl")
        records = read_records(files)
    else:
        records = read_records([path])
    if not records:
        raise CorruptResults(f"{path}: no records")
    return records


def compare_files(baseline: Path, current: Path, k: float = K, defined: Defined | None = None,
                  only: Iterable[tuple[str, str]] | None = None) -> Verdict:
    """Raises CorruptResults for a missing, corrupt or empty side, NothingInCommon for two unrelated ones."""
    return compare_records(load_side(baseline), load_side(current), k, defined, only,
                           files={"baseline": str(baseline), "current": str(current)})


def hardware_of(records: list[RunRecord]) -> set[tuple[Any, ...]]:
    return {hardware_identity(r) for r in records}
