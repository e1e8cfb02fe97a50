"""Would pooling a clock's variants' variance make a night's t tests sound? The check behind docs/verdicts.md's
"why a single variant keeps its own n - 1 degrees of freedom".

A night re-measures a few variants in the same rounds; each single test has only its rounds' n - 1 degrees of
freedom, so a few rounds decide little. The textbook remedy is to borrow the other variants' spread: here the most
careful form of it — a round's shared shock (its mean over the variants) split from each variant's own noise, the
own noises squeezed towards their common value by limma's empirical Bayes (Smyth 2004: the prior's degrees of
freedom from how much the variances scatter), Satterthwaite's degrees of freedom for the sum. It is sound only if
the variants of a night are about equally noisy, which a night of 2–7 rounds cannot check. This script measures both:

1. the committed A/A re-measurements (results/verdict-detector-2026-12-05/confirm/aa-*): each variant's per-round
   spread of its paired log ratio, and the prior degrees of freedom the squeeze would grant;
2. simulated A/A nights (6 variants, a shared shock, one variant 1–4× the others' variance): how often the pooled
   test's p falls under 0.01 and 0.001 — a sound test: 1 % and 0.1 %.

    python benchmarks/scripts/pooled_variance_check.py --out results/verdict-detector-2026-12-06/pooled-variance.json
"""
from __future__ import annotations

import argparse
import glob
import json
import math
import random
import statistics
import sys
from pathlib import Path

from scipy import special, stats

ROOT = Path(__file__).resolve().parents[2]
CLOCK = "step_time_median_s"   # the committed A/A nights predate the CPU clock
FLOOR = 1e-6


def squeeze(own: dict) -> dict:
    """{key: (variance, df)} -> {key: (squeezed variance, df gained)}: limma's fitFDist + squeezeVar."""
    keys = list(own)
    dfs = [own[k][1] for k in keys]
    logs = [math.log(max(own[k][0], FLOOR)) - special.digamma(df / 2) + math.log(df / 2) for k, df in zip(keys, dfs)]
    mean = statistics.fmean(logs)
    scatter = statistics.variance(logs) - statistics.fmean(special.polygamma(1, df / 2) for df in dfs)
    d0 = 2 * _trigamma_inverse(scatter) if scatter > 0 else math.inf
    prior = math.exp(mean + special.digamma(d0 / 2) - math.log(d0 / 2)) if math.isfinite(d0) else math.exp(mean)
    total = float(sum(dfs))
    return {k: (prior if math.isinf(d0) else (d0 * prior + df * own[k][0]) / (d0 + df), min(df + d0, total))
            for k, df in zip(keys, dfs)}


def _trigamma_inverse(x: float) -> float:
    if x > 1e7:
        return 1 / math.sqrt(x)
    if x < 1e-6:
        return 1 / x
    y = 0.5 + 1 / x
    for _ in range(50):
        tri = float(special.polygamma(1, y))
        step = tri * (1 - tri / x) / float(special.polygamma(2, y))
        y += step
        if -step / y < 1e-8:
            break
    return y


def pooled_p(per_variant: dict) -> dict:
    """{variant: {round: log ratio}} -> {variant: one-sided p} with the shock split off and own noise squeezed."""
    rounds = sorted({r for s in per_variant.values() for r in s})
    shared = {r: statistics.fmean(s[r] for s in per_variant.values()) for r in rounds}
    own = {v: (statistics.variance([d - shared[r] for r, d in s.items()]), len(s) - 1) for v, s in per_variant.items()}
    shock = statistics.variance(shared.values())
    out = {}
    for v, (var, df) in squeeze(own).items():
        total, n = shock + var, len(per_variant[v])
        dof = total ** 2 / (shock ** 2 / (len(rounds) - 1) + var ** 2 / df)
        out[v] = float(stats.t.sf(statistics.fmean(per_variant[v].values()) / math.sqrt(total / n), dof))
    return out


def committed_nights() -> list[dict]:
    """Per committed A/A night: its rounds, each variant's paired spread, the squeeze's degrees of freedom."""
    out = []
    for folder in sorted(glob.glob(str(ROOT / "results/verdict-detector-2026-12-05/confirm/aa-*"))):
        per: dict = {}
        for b in sorted(glob.glob(f"{folder}/baseline-*.jsonl")):
            c = b.replace("baseline-", "current-")
            if not Path(c).exists():
                continue
            r = int(b.rsplit("-", 1)[1].split(".")[0])
            sides = [{f"{x['case']}:{x['variant']}": x["metrics"].get(CLOCK) for x in map(json.loads, open(f))}
                     for f in (b, c)]
            for v, base in sides[0].items():
                if base and sides[1].get(v):
                    per.setdefault(v, {})[r] = math.log(sides[1][v] / base)
        own = {v: (statistics.variance(s.values()), len(s) - 1) for v, s in per.items() if len(s) >= 3}
        if len(own) < 3:
            continue
        sds = sorted(math.sqrt(var) for var, _ in own.values())
        out.append({"night": Path(folder).name, "rounds": max(len(s) for s in per.values()), "variants": len(own),
                    "paired_sd": [round(x, 3) for x in sds], "largest_over_smallest": round(sds[-1] / sds[0], 2),
                    "squeezed_df": round(next(iter(squeeze(own).values()))[1], 1),
                    "own_df": max(len(s) for s in per.values()) - 1})
    return out


def simulated(nights: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for shock, noise, louder in ((0.18, 0.10, 1), (0.02, 0.08, 1), (0.02, 0.08, 2), (0.02, 0.08, 4)):
        for n in (3, 5, 10):
            hits = [0, 0]
            for _ in range(nights):
                shocks = [rng.gauss(0, shock) for _ in range(n)]
                per = {v: {r: shocks[r] + rng.gauss(0, noise * math.sqrt(louder if v == 0 else 1)) for r in range(n)}
                       for v in range(6)}
                p = pooled_p(per)[0]
                hits[0] += p < 0.01
                hits[1] += p < 0.001
            out.append({"shared_shock_sd": shock, "own_sd": noise, "one_variant_variance_x": louder, "rounds": n,
                        "nights": nights, "p_below_0.01": hits[0] / nights, "p_below_0.001": hits[1] / nights})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nights", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    result = {"committed_aa_nights": committed_nights(), "simulated_aa": simulated(args.nights, args.seed),
              "command": "python benchmarks/scripts/pooled_variance_check.py " + " ".join(sys.argv[1:])}
    for night in result["committed_aa_nights"]:
        print(f"{night['night']}: {night['variants']} variants × {night['rounds']} rounds, paired sd "
              f"{night['paired_sd']} (× {night['largest_over_smallest']}), squeeze grants {night['squeezed_df']} df "
              f"for {night['own_df']}")
    for row in result["simulated_aa"]:
        print(f"shock {row['shared_shock_sd']}, own {row['own_sd']}, one variant × {row['one_variant_variance_x']} "
              f"variance, {row['rounds']} rounds: p < 0.01 on {row['p_below_0.01']:.2%}, p < 0.001 on "
              f"{row['p_below_0.001']:.2%}")
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
