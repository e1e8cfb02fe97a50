"""The noise of paired rounds on this machine, per clock: what the simulation (verdict_simulation.py) is fitted to.

    python benchmarks/scripts/paired_noise.py results/verdict-detector-2026-12-06/noise \
        --out results/verdict-detector-2026-12-06/noise.json
    python benchmarks/scripts/paired_noise.py --in-turn results/verdict-detector-2026-12-06-at-once/runs/A0[0-4].jsonl \
        --out results/verdict-detector-2026-12-06-at-once/noise-suspects.json

Reads rounds as confirmation writes them (`baseline-N.jsonl` / `current-N.jsonl`) or as the noise run does
(`b-N.jsonl` / `c-N.jsonl`), one folder or several. For wall time (`step_time_median_s`) and CPU time
(`step_cpu_median_s`): each variant's per-round log ratio d = log(current / baseline), the median over variants
of their d's spread, how strongly the variants of one round move together (the share of a process-wide shock),
and how often a round is off by more than ×1.6. Rounds whose current side ran with an injected slowdown are
reported apart, as the slowdown's real size on each clock.
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from harness.results.reading import read_records  # noqa: E402

CLOCKS = {"wall": "step_time_median_s", "cpu": "step_cpu_median_s"}


def rounds(folder: Path) -> list[tuple[Path, Path]]:
    pairs = []
    for prefix_b, prefix_c in (("baseline", "current"), ("b", "c")):
        for b in sorted(folder.glob(f"{prefix_b}-*.jsonl")):
            c = folder / b.name.replace(prefix_b, prefix_c, 1)
            if c.exists():
                pairs.append((b, c))
    return pairs


def round_logs(b: Path, c: Path, metric: str) -> tuple[dict[str, float], bool]:
    """{variant: d} of one round, and whether its current side was injected."""
    def values(path: Path) -> dict[str, tuple[float, bool]]:
        return {f"{r.case}:{r.variant}": (r.metrics[metric], bool(r.context.injected_slowdown))
                for r in read_records([path]) if isinstance(r.metrics.get(metric), (int, float))}
    vb, vc = values(b), values(c)
    logs = {v: math.log(vc[v][0] / vb[v][0]) for v in vb if v in vc and vb[v][0] > 0 and vc[v][0] > 0}
    return logs, any(injected for _, injected in vc.values())


def fit(all_rounds: list[dict[str, float]]) -> dict[str, float]:
    by_variant: dict[str, list[float]] = {}
    for r in all_rounds:
        for v, d in r.items():
            by_variant.setdefault(v, []).append(d)
    spreads = [statistics.stdev(ds) for ds in by_variant.values() if len(ds) >= 3]
    pairs = [(a - statistics.fmean(r.values()), b - statistics.fmean(r.values()))
             for r in all_rounds for a, b in itertools.combinations(r.values(), 2)]
    centred = [[d - statistics.fmean(by_variant[v]) for v, d in r.items()] for r in all_rounds]
    within = [(a, b) for r in centred for a, b in itertools.combinations(r, 2)]
    rho = 0.0
    if within:
        num = statistics.fmean([a * b for a, b in within])
        den = statistics.fmean([a * a for a, _ in within] + [b * b for _, b in within])
        rho = max(0.0, num / den) if den else 0.0
    ds = [d for r in all_rounds for d in r.values()]
    sd = statistics.median(spreads) if spreads else math.nan
    return {"rounds": len(all_rounds), "variants": len(by_variant), "paired_sd_median": sd,
            "within_round_correlation": rho, "off_by_1.6x": sum(abs(d) > math.log(1.6) for d in ds) / max(len(ds), 1),
            "process": math.sqrt(rho * sd * sd / 2) if sd == sd else math.nan,
            "variant": math.sqrt((1 - rho) * sd * sd / 2) if sd == sd else math.nan, "n_pairs": len(pairs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--in-turn", nargs="+", type=Path, default=[], metavar="RUN",
                        help="whole runs made one after another (the detector's runs/A*.jsonl): each with the next is "
                             "a round — the noise of the pair of runs that raises a night's suspects")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if not args.folders and len(args.in_turn) < 2:
        parser.error("give folders of rounds, or two or more --in-turn runs")
    pairs = [p for folder in args.folders for p in rounds(folder)] + list(zip(args.in_turn, args.in_turn[1:]))
    result: dict[str, dict] = {}
    for clock, metric in CLOCKS.items():
        plain, injected = [], []
        for b, c in pairs:
            logs, slowed = round_logs(b, c, metric)
            if logs:
                (injected if slowed else plain).append(logs)
        result[clock] = fit(plain) if plain else {}
        if injected:
            result[clock]["injected_ratio_median"] = math.exp(statistics.median(
                [d for r in injected for d in r.values()]))
            result[clock]["injected_rounds"] = len(injected)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
