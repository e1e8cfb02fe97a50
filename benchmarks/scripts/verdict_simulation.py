"""The performance verdict on thousands of simulated nights: fitbench's own `compare_records` and `confirm` run
against sides whose numbers come from the noise measured on this machine, so false alarms and power are counted
where real trials (benchmarks/scripts/verdict_detector.py) can afford only a few dozen.

    python benchmarks/scripts/verdict_simulation.py --nights 1000 --out results/verdict-detector-2026-12-06/simulation.json

The noise model (fitted to the committed re-measurements, results/verdict-detector-2026-12-05/confirm/aa-*, and
to this session's paired rounds, results/verdict-detector-2026-12-06/noise.json): a side's run of a variant in a
round is its mean × its slowdown × exp(round shock shared by both sides + a process shock shared by the variants
of one side's run + the variant's own noise), doubled whole on `double_rate` of runs (a machine that was 2× slower
for one run, seen in aa-03), with a drift across rounds. Per clock (wall time, CPU time) its own spreads.

Rounds measured at once (the default since 2026-12-06: both sides at the same time, a CPU each) are quieter than the
runs that raise the suspects, which ran in turn: `--rounds-fit` gives the rounds their own noise, fitted by
paired_noise.py to at-once re-measurements, while the suspect pair keeps `--fit`'s; a round then costs one side's
time, not two.

    python benchmarks/scripts/verdict_simulation.py --nights 1000 \
        --fit results/verdict-detector-2026-12-06-at-once/noise-suspects.json \
        --rounds-fit results/verdict-detector-2026-12-06-at-once/noise-rounds.json \
        --out results/verdict-detector-2026-12-06-at-once/simulation.json

Prints, per scenario, the share of nights that exit 3, that confirm the named variant, that confirm any other
variant, and that end undecided; writes the same as JSON.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from harness.results.records import RunContext, RunRecord  # noqa: E402
from harness.verdict.compare import compare_records  # noqa: E402
from harness.verdict.confirm import ConfirmSettings, confirm  # noqa: E402
from harness.verdict.choose import PROCESS_S  # noqa: E402
from harness.verdict.sides import Side  # noqa: E402


@dataclass(frozen=True)
class Noise:
    """Log-scale spreads of one clock. Defaults: wall time, fitted to the committed A/A re-measurements (per-round
    paired spread 0.155 median, variants of one round correlated at 0.20, 1.7 % of rounds off by ×2)."""
    variant: float = 0.10       # a variant's own noise per run
    process: float = 0.05       # shared by the variants of one side's run
    round: float = 0.15         # shared by both sides of one round (cancels in the pairing)
    drift: float = 0.01         # per round, shared by both sides
    double_rate: float = 0.01   # a side's whole run ×2
    cpu_ratio: float = 1.9      # CPU seconds per wall second of a step (2 threads)
    cpu_variant: float = 0.03   # the CPU clock's own noise
    cpu_process: float = 0.02


@dataclass
class Scenario:
    name: str
    slowdown: float             # relative, e.g. 0.10
    target: str | None          # "case:variant" or None for all
    machine: float = 1.0        # tonight's machine against the baseline's (another instance of the same kind):
                                # the suspect pair's current side × this; confirmation's rounds run both on tonight's


def fitted(measured: dict) -> Noise:
    """The noise model of paired_noise.py's output: each clock's process and variant spreads, the ×2 runs (a
    round off by more than ×1.6 is one side's run doubled, so half that rate a side)."""
    wall, cpu = measured["wall"], measured.get("cpu") or {}
    return Noise(variant=wall["variant"], process=wall["process"], double_rate=wall["off_by_1.6x"] / 2,
                 cpu_variant=cpu.get("variant", Noise.cpu_variant), cpu_process=cpu.get("process", Noise.cpu_process))


def variants(n: int) -> list[tuple[str, float, float]]:
    """(case:variant, step seconds, wall seconds of a run): the subset's shapes (tiny-model steps ~20 ms, a run
    ~7 s) with two DistilBERT-shaped ones (0.55 s steps, ~60 s runs)."""
    out = [(f"case{i // 3}:v{i}", 0.02 + 0.001 * i, 7.0) for i in range(n - 2)]
    return out + [("distil:a", 0.55, 60.0), ("distil:b", 0.6, 60.0)]


class SimSide(Side):
    """A side whose runs are drawn from the noise model (no process, no file)."""

    def __init__(self, label: str, sim: "Night"):
        super().__init__(label, environment=None)  # type: ignore[arg-type]
        self.sim = sim

    def run(self, pairs: list[str], out: Path) -> list[RunRecord]:
        return self.sim.run(self.label, pairs)

    def describe(self) -> str:
        return f"{self.label}: simulated"


class Night:
    """One simulated night: the suspect pair drawn with `noise`, then confirmation's rounds with `rounds_noise`
    (None: the same); `at_once`: a round's two sides run at the same time, so a round costs one side's time."""

    def __init__(self, scenario: Scenario, noise: Noise, n_variants: int, rng: random.Random,
                 rounds_noise: Noise | None = None, at_once: bool = False):
        self.scenario, self.rng = scenario, rng
        self.noise, self.rounds_noise, self.at_once = noise, rounds_noise or noise, at_once
        self.shapes = {v: (step, wall) for v, step, wall in variants(n_variants)}
        self.runs = 0
        self.seconds = 0.0      # simulated: each side's run costs its process start and its variants' wall time
        self.round_shock = 0.0
        self.confirming = False

    def start_confirming(self) -> None:
        """From here on the runs are confirmation's rounds: their own noise, their own clock."""
        self.runs, self.seconds, self.noise = 0, 0.0, self.rounds_noise
        self.confirming = True

    def factor(self, label: str, variant: str) -> float:
        hit = self.scenario.target in (None, variant)
        machine = self.scenario.machine if label == "current" and not self.confirming else 1.0
        return machine * (1 + self.scenario.slowdown if label == "current" and hit else 1.0)

    def run(self, label: str, pairs: list[str]) -> list[RunRecord]:
        n, g = self.noise, self.rng
        if self.runs % 2 == 0:
            self.round_shock = g.gauss(0, n.round) + n.drift * self.runs / 2
        self.runs += 1
        if not (self.at_once and self.runs % 2 == 0):   # at once, the second side runs in the first one's time
            self.seconds += PROCESS_S + sum(self.shapes[v][1] for v in pairs)
        process, cpu_process = g.gauss(0, n.process), g.gauss(0, n.cpu_process)
        double = math.log(2) if g.random() < n.double_rate else 0.0
        out = []
        for v in pairs:
            step, wall = self.shapes[v]
            work = step * self.factor(label, v)
            step_s = work * math.exp(self.round_shock + process + double + g.gauss(0, n.variant))
            cpu_s = work * n.cpu_ratio * math.exp(cpu_process + 0.3 * double + g.gauss(0, n.cpu_variant))
            out.append(record(v, step_s, cpu_s, wall))
        return out


def record(variant: str, step: float, cpu: float, wall: float) -> RunRecord:
    case, name = variant.split(":")
    return RunRecord(case=case, variant=name, role="fix", device="cpu", claim="ok", says="", observed="ok",
                     agrees=True, fix_works=True, outcome="completed", wall_s=wall,
                     metrics={"step_time_median_s": step, "step_cpu_median_s": cpu},
                     context=RunContext(ran_alone=True),
                     env={"cpu": "simulated", "cpu_count": 2})


def one_night(scenario: Scenario, noise: Noise, settings: ConfirmSettings, n_variants: int,
              rng: random.Random, folder: Path, rounds_noise: Noise | None = None) -> dict:
    night = Night(scenario, noise, n_variants, rng, rounds_noise, at_once=rounds_noise is not None)
    names = list(night.shapes)
    verdict = compare_records(night.run("baseline", names), night.run("current", names))
    night.start_confirming()
    verdict = confirm(verdict, SimSide("baseline", night), SimSide("current", night), settings, folder, log=lambda _: None,
            clock=lambda: night.seconds)
    confirmed = {v for f in verdict.regressions() if len(f.variants) == 1 for v in f.variants}
    groups = [f for f in verdict.regressions() if len(f.variants) > 1]
    return {"exit": verdict.exit_code, "named": scenario.target in confirmed if scenario.target else None,
            "others": sorted(confirmed - {scenario.target}) if scenario.target else [],
            "group": bool(groups), "undecided": len(verdict.undecided()),
            "rounds": verdict.confirmation.get("rounds", 0), "seconds": verdict.confirmation.get("seconds", 0)}


def simulate(scenarios: list[Scenario], noise: Noise, settings: ConfirmSettings, nights: int, n_variants: int,
             seed: int = 0, rounds_noise: Noise | None = None) -> dict[str, dict]:
    rng = random.Random(seed)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for s in scenarios:
            rows = [one_night(s, noise, settings, n_variants, rng, Path(tmp), rounds_noise) for _ in range(nights)]
            out[s.name] = {
                "nights": nights, "exit_3": sum(r["exit"] == 3 for r in rows) / nights,
                "named_confirmed": (sum(bool(r["named"]) for r in rows) / nights) if s.target else None,
                "others_confirmed": sum(bool(r["others"]) for r in rows) / nights,
                "group_confirmed": sum(r["group"] for r in rows) / nights,
                "undecided": sum(r["undecided"] > 0 for r in rows) / nights,
                "median_rounds": sorted(r["rounds"] for r in rows)[nights // 2],
                "median_seconds": round(sorted(r["seconds"] for r in rows)[nights // 2], 1)}
    return out


SCENARIOS = [Scenario("A/A", 0.0, None), Scenario("all +5 %", 0.05, None), Scenario("all +10 %", 0.10, None),
             Scenario("all +20 %", 0.20, None), Scenario("one +10 %", 0.10, "case0:v0"),
             Scenario("one +20 %", 0.20, "case0:v0"), Scenario("one +40 %", 0.40, "case0:v0"),
             Scenario("one DistilBERT +20 %", 0.20, "distil:a"),
             Scenario("one +5 %", 0.05, "case0:v0"),   # last ones: the scenarios before them draw what they always drew
             Scenario("A/A on a machine 10 % faster", 0.0, None, 0.9),
             Scenario("one +20 % on a machine 10 % faster", 0.20, "case0:v0", 0.9)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nights", type=int, default=500)
    parser.add_argument("--variants", type=int, default=32)
    parser.add_argument("--noise", default=None, help="a JSON file of Noise fields (default: the wall-time fit)")
    parser.add_argument("--fit", default=None, help="paired_noise.py's output: the noise of both clocks measured")
    parser.add_argument("--rounds-fit", default=None,
                        help="paired_noise.py's output for rounds measured at once: confirmation's rounds draw from it "
                             "(and cost one side's time), the suspect pair from --fit")
    parser.add_argument("--only", default=None, help="comma list of scenario names (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    chosen = [s for s in SCENARIOS if not args.only or s.name in args.only.split(",")]
    noise = Noise(**json.loads(Path(args.noise).read_text())) if args.noise else Noise()
    if args.fit:
        noise = fitted(json.loads(Path(args.fit).read_text()))
    rounds_noise = fitted(json.loads(Path(args.rounds_fit).read_text())) if args.rounds_fit else None
    settings = ConfirmSettings(at_once=False)   # drawn sides: how a round's two sides move together is the noise fit's
    result = simulate(chosen, noise, settings, args.nights, args.variants, args.seed, rounds_noise)
    for name, r in result.items():
        print(f"{name:22s} exit 3 {r['exit_3']:6.1%}  named {'' if r['named_confirmed'] is None else format(r['named_confirmed'], '6.1%'):>6}"
              f"  others {r['others_confirmed']:6.1%}  group {r['group_confirmed']:6.1%}  undecided {r['undecided']:6.1%}"
              f"  rounds {r['median_rounds']}  {r['median_seconds']:.0f} s")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({"noise": noise.__dict__, "settings": settings.__dict__,
                                              "rounds_noise": rounds_noise.__dict__ if rounds_noise else None,
                                              "scenarios": result}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
