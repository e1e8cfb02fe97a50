"""Committed re-measurements decided again by today's confirmation: the same samples, today's statistics.

A real trial costs 20–40 minutes of this machine; the committed detector folders hold dozens of nights already
re-measured (results/verdict-detector-*/confirm/<trial>/baseline-N.jsonl, current-N.jsonl: the records of each
paired round). This script hands those rounds, in their order, to fitbench's own `confirm` (harness/verdict/
confirm.py) through sides that read the committed records instead of running, so each night is decided as if the
code of today had measured it:

* the suspects are the variants re-measured that night, each with its step time (the night chose them then; the
  choice is not replayed) — `--max-variants` and the budget take them all;
* the night can afford the rounds it has: a fake clock charges each round budget / rounds, so the plan's looks are
  those of a night with that many rounds (stats.looks_within);
* the α shares of the clocks are equal (the pair's cross-variant spread, which weights them on a real night, is not
  re-read).

`replay_pair` instead decides a night from its committed pair of runs: today's compare makes the suspects, spreads
and α shares, and only the choice of variants is that night's (the rounds hold no others).

    python benchmarks/scripts/replay_nights.py results/verdict-detector-2026-12-05 results/verdict-detector-2026-12-06 \
        --out results/verdict-detector-2026-12-06/replayed.json
    python benchmarks/scripts/replay_nights.py --out results/verdict-detector-2026-12-07-xeon/whole/replayed.json \
        --pair results/verdict-detector-2026-12-07-xeon/whole/runs/{A,P}.jsonl results/verdict-detector-2026-12-07-xeon/whole/confirm/pinned

Prints one line per night (its kind from the folder's name, the rounds, what the night concluded) and a table by kind.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from harness.results.reading import read_records  # noqa: E402
from harness.verdict.compare import compare_files  # noqa: E402
from harness.verdict.confirm import ConfirmSettings, WALL_CLOCK, confirm  # noqa: E402
from harness.verdict.findings import PERFORMANCE, REGRESSION, SUSPECT, Finding, Verdict  # noqa: E402


class Replayed:
    """A side whose round N is the committed `<label>-N.jsonl` of a night's folder."""

    def __init__(self, label: str, folder: Path) -> None:
        self.label, self.folder, self.round = label, folder, 0

    def run(self, pairs: list[str], out: Path) -> list:
        self.round += 1
        path = self.folder / f"{self.label}-{self.round}.jsonl"
        wanted = set(pairs)
        return [r for r in read_records([path]) if f"{r.case}:{r.variant}" in wanted] if path.exists() else []

    def describe(self) -> str:
        return f"{self.label}: replayed from {self.folder}"


def rounds_of(folder: Path) -> int:
    n = 0
    while (folder / f"baseline-{n + 1}.jsonl").exists() and (folder / f"current-{n + 1}.jsonl").exists():
        n += 1
    return n


def grades(detector: Path) -> dict[str, str]:
    """trial -> what was done to its current side ("none" for A/A, a CPU quota, an injected slowdown)."""
    log = detector / "trials.jsonl"
    rows = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return {r["trial"]: r.get("grade", "") for r in rows}


def replay(folder: Path, grade: str = "", budget_s: float = 1200.0) -> dict:
    """The committed night in `folder` decided by today's confirm."""
    first = read_records([folder / "baseline-1.jsonl"])
    variants = sorted({f"{r.case}:{r.variant}" for r in first})
    suspects = [Finding(PERFORMANCE, REGRESSION, WALL_CLOCK, [v], "cpu", status=SUSPECT, metric=WALL_CLOCK,
                        ratio=1.2, threshold=0.1, reason="re-measured that night") for v in variants]
    verdict = Verdict(performance=suspects, costs={v: 1.0 for v in variants})
    decided = _decide(verdict, folder, budget_s, max_variants=len(variants))
    return _row(decided, str(folder.relative_to(ROOT)), grade or re.sub(r"-\d+$", "", folder.name), rounds_of(folder))


def replay_pair(baseline: Path, current: Path, folder: Path, budget_s: float = 1200.0) -> Verdict:
    """The committed night in `folder` decided from its pair of runs by today's compare and confirm: today's
    suspects, spreads and α shares, the variants that night re-measured (its choice) and its rounds."""
    committed = sorted({f"{r.case}:{r.variant}" for r in read_records([folder / "baseline-1.jsonl"])})

    def its_choice(suspects: list[Finding], *_: object, **__: object) -> tuple[list[str], str]:
        return [v for v in committed if any(f.variants[0] == v for f in suspects)], "not replayed"
    with mock.patch("harness.verdict.confirm.choose_variants", its_choice):
        return _decide(compare_files(baseline, current), folder, budget_s)


def _decide(verdict: Verdict, folder: Path, budget_s: float, **settings: int) -> Verdict:
    """`verdict`'s suspects decided by today's confirm on the committed rounds in `folder`."""
    rounds = rounds_of(folder)
    per_round = budget_s / (rounds + 0.5)   # the plan pays for `rounds` rounds, not one more
    cfg = ConfirmSettings(rounds=max(rounds, 3), budget_s=budget_s, at_once=False,   # the records say how the
                          **settings)                                                # rounds ran; these only read
    sides = (Replayed("baseline", folder), Replayed("current", folder))
    with tempfile.TemporaryDirectory() as tmp:   # the clock: the rounds replayed so far, each per_round long
        return confirm(verdict, *sides, cfg, Path(tmp), log=lambda _: None, clock=lambda: sides[0].round * per_round)


def _row(decided: Verdict, night: str, kind: str, rounds: int) -> dict:
    return {"night": night, "kind": kind, "rounds": rounds, "looks": decided.confirmation.get("looks"),
            "exit": decided.exit_code,
            "confirmed": [f"{' + '.join(f.variants) if len(f.variants) < 3 else f'{len(f.variants)} variants'} "
                          f"{f.metric} × {f.ratio:.3g}" for f in decided.regressions(PERFORMANCE)],
            "undecided": len(decided.undecided()), "summary": decided.summary()}


def _pair_row(baseline: Path, current: Path, folder: Path) -> dict:
    decided = replay_pair(baseline, current, folder)
    return _row(decided, str(folder), f"{baseline.name} → {current.name}", decided.confirmation["rounds"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("detectors", nargs="*", type=Path, help="detector folders (each with confirm/<trial>/)")
    parser.add_argument("--pair", nargs=3, action="append", type=Path, default=[],
                        metavar=("BASELINE", "CURRENT", "NIGHT"),
                        help="a night decided from its pair of runs by today's compare (replay_pair); repeatable")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if not args.detectors and not args.pair:
        parser.error("give detector folders or --pair")
    nights = [replay(f.resolve(), graded.get(f.name, "")) for d in args.detectors for graded in [grades(d)]
              for f in sorted((d / "confirm").glob("*")) if f.is_dir() and rounds_of(f) >= 3]
    nights += [_pair_row(*pair) for pair in args.pair]
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for n in nights:
        by_kind[n["kind"]].append(n)
        print(f"{n['night']}: {n['rounds']} rounds, looks {n['looks']}: {n['summary']}"
              + (f" — {'; '.join(n['confirmed'])}" if n["confirmed"] else ""))
    for kind, rows in sorted(by_kind.items()):
        print(f"{kind}: {len(rows)} nights, exit 3 on {sum(r['exit'] == 3 for r in rows)}, "
              f"undecided left on {sum(r['undecided'] > 0 for r in rows)}")
    args.out.write_text(json.dumps({"command": "python benchmarks/scripts/replay_nights.py " + " ".join(
        sys.argv[1:] if argv is None else argv), "nights": nights}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
