"""Did a change of fitbench's own code change what the suite observes? A per-record diff of two results files of
the same environment: symptom, whether the chapter's claim holds, whether each fix works, and the loss trajectory
(every step's loss, to a relative 1e-4: the CPU kernels are deterministic for a seed, the last digits of a float
sum are not across thread schedules).

    python benchmarks/scripts/same_behaviour.py BEFORE.jsonl AFTER.jsonl

Prints one line per variant that differs and a tally (bit-identical losses counted only among the variants with
a loss trajectory on both sides); exit 0 when nothing differs, 1 otherwise. Timings are not
compared (they are the verdict's business: `fitbench compare`).
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from harness.results.reading import read_records  # noqa: E402
from harness.results.records import RunRecord  # noqa: E402

REL = 1e-4


def _close(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(
        (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, rel_tol=REL, abs_tol=REL) for x, y in zip(a, b))


def differences(before: RunRecord, after: RunRecord) -> list[str]:
    out = []
    for name in ("observed", "agrees", "fix_works"):
        if getattr(before, name) != getattr(after, name):
            out.append(f"{name} {getattr(before, name)!r} → {getattr(after, name)!r}")
    a, b = before.metrics.get("loss_per_step") or [], after.metrics.get("loss_per_step") or []
    if not _close(a, b):
        out.append(f"loss_per_step differs ({len(a)} vs {len(b)} steps; first {a[:2]} vs {b[:2]})")
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: same_behaviour.py BEFORE.jsonl AFTER.jsonl", file=sys.stderr)
        return 2
    before, after = ({(r.case, r.variant, r.device): r for r in read_records([Path(p)])} for p in argv)
    differ = 0
    for key in sorted(set(before) | set(after)):
        if key not in before or key not in after:
            print(f"{key[0]}:{key[1]} [{key[2]}]  only in {'after' if key in after else 'before'}")
            differ += 1
            continue
        found = differences(before[key], after[key])
        if found:
            print(f"{key[0]}:{key[1]} [{key[2]}]  " + "; ".join(found))
            differ += 1
    common = sorted(set(before) & set(after))
    exact, with_losses = identical_losses([before[k] for k in common], [after[k] for k in common])
    print(f"{len(common)} variants in both; {differ} differ (symptom, claim, fix verdict, losses to {REL:g} "
          f"relative); {exact} of {with_losses} with a loss trajectory bit-identical, "
          f"{len(common) - with_losses} with no trajectory on either side")
    return 1 if differ else 0


def identical_losses(before: list[RunRecord], after: list[RunRecord]) -> tuple[int, int]:
    """(pairs whose loss trajectories are equal bit for bit, pairs with a trajectory on both sides). A variant that
    stopped before its first step (an error, an unsupported combination) has none: two missing trajectories are no
    evidence that the losses are the same, so such a pair counts in neither."""
    pairs = [(b.metrics.get("loss_per_step"), a.metrics.get("loss_per_step")) for b, a in zip(before, after)]
    both = [(b, a) for b, a in pairs if b and a]
    return sum(b == a for b, a in both), len(both)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
