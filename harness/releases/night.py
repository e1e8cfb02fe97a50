"""`fitbench nightly --latest`: the newest releases, picked up by themselves.

Each night: resolve the newest TensorFlow, tf-keras, Keras and transformers (harness/releases/latest.py; an
index that cannot be asked is bad input, before anything runs), build that environment (harness/env/build.py,
the cache bisect uses; one that does not install gives `unsupported` records with the installer's reason, not a
failed night), run the suite there (`--repeats` times, resuming what an interrupted night left), compare with
the newest environment already in the results, and when a behaviour changed — a symptom, an error's type, a fix
that stopped working, a metric beyond noise — bisect each package that moved, one at a time with the others
held (harness/releases/bisect.py). The report opens with what is new, the boundaries found, the error's
informative line and the release notes (harness/releases/news.py). Exit 0 clean, 1 regression, 2 bad input.

The comparison is harness/verdict/'s: behaviour in the user's direction (a variant that breaks fails the night and
is bisected first), coverage of the pairs the night was asked to run, and performance suspects filtered by the last
nights' spread, then re-measured in last night's and tonight's environments, interleaved (confirmed or not). Only a
companion that moved on its own is a suspect of its own: keras 2.15 → 3.x beside TF 2.15 → 2.16 is bisected with
TensorFlow, not alone.

Every side effect is a function the constructor takes (the index, `environment`: EnvSpec -> Environment,
harness/env/environment.py), so the whole path is tested with fakes.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from harness import cache_dir
from harness.env.build import one_line
from harness.env.companions import moved_on_their_own, moves_with
from harness.env.describe import describe
from harness.env.environment import EnvSpec, Environment, Factory, UvEnvironment
from harness.env.index import list_versions, pypi_release_notes
from harness.env.requirements import light_requirements
from harness.launch.suite_process import code_snapshot
from harness.releases.bisect import BisectConfig, BisectError, Bisector
from harness.releases.latest import Releases, resolve
from harness.results.groups import hardware_identity
from harness.results.lock import results_lock
from harness.results.records import JsonlWriter, RunRecord, read_records
from harness.spec import symptoms
from harness.verdict.compare import compare_records
from harness.verdict.confirm import ConfirmConfig, confirm
from harness.verdict.findings import CONFIRMED, PERFORMANCE, REGRESSION, Verdict
from harness.verdict.history import History
from harness.verdict.sides import Side

STATE = "state.json"


@dataclass
class NightConfig:
    results: Path                       # where nights keep their records and their state
    pairs: list[tuple[str, str]]        # (case, variant) to run
    device: str = "cpu"
    repeats: int = 1
    pre: bool = False
    within: tuple[str, ...] = ("transformers<5",)
    max_bisects: int = 2
    k: float = 3.0
    rerun: bool = False                 # run even when nothing is new and tonight's results are complete
    known: list[Path] = field(default_factory=list)  # results files to compare with before the first night
    confirm: bool = True                # re-measure performance suspects in both environments
    confirm_budget_s: float = 1800.0
    confirm_rounds: int = 7
    confirm_variants: int = 4


@dataclass
class NightResult:
    releases: Releases
    previous: dict[str, Any] | None     # last night's state: releases and results file
    moved: dict[str, tuple[str | None, str | None]]
    out: Path
    records: list[RunRecord] = field(default_factory=list)
    verdict: Verdict | None = None
    bisects: list[dict[str, Any]] = field(default_factory=list)
    install_error: str | None = None
    ran: int = 0                        # suite passes run tonight (0: nothing new and nothing missing)


class Night:
    def __init__(self, cfg: NightConfig, list_versions: Callable[..., list[str]] = list_versions,
                 environment: Factory = UvEnvironment,
                 release_notes: Callable[[str], str | None] | None = pypi_release_notes,
                 light: list[str] | None = None, log: Callable[[str], None] = print):
        self.cfg, self.list_versions, self.environment = cfg, list_versions, environment
        self.release_notes, self.log = release_notes, log
        self.light = light_requirements() if light is None else light

    def resolve(self) -> Releases:
        """Before anything runs: IndexUnreachable propagates (the command's one line, exit 2)."""
        return resolve(self.list_versions, self.cfg.pre, self.cfg.within)

    def state(self) -> dict[str, Any]:
        path = self.cfg.results / STATE
        return json.loads(path.read_text()) if path.is_file() else {}

    def run(self, releases: Releases) -> NightResult:
        previous = self.state().get("last") or newest_environment(self.cfg.known, self.cfg.device, self.cfg.within)
        moved = releases.moved((previous or {}).get("releases", {}))
        out = self.cfg.results / f"{releases.tag()}-{self.cfg.device}.jsonl"
        result = NightResult(releases, previous, moved, out)
        with results_lock(out):
            pending = self._pending(out)
            if pending or (moved and previous) or self.cfg.rerun:
                self._run_suite(result, pending or list(self.cfg.pairs))
            result.records = read_records([out]) if out.exists() else []
            if previous and previous.get("file") != str(out) and Path(previous["file"]).is_file():
                result.verdict = self._verdict(result)
                result.bisects = self._bisect_findings(result)
            self._save_state(result)
        return result

    def _history(self, result: NightResult) -> History:
        """The nights before tonight on tonight's hardware (harness/verdict/history.py)."""
        files = [Path(n["file"]) for n in self.state().get("nights", []) if n.get("file") != str(result.out)]
        hardware = hardware_identity(result.records[0]) if result.records else None
        return History([f for f in dict.fromkeys(files) if f.is_file()], hardware)

    def _verdict(self, result: NightResult) -> Verdict:
        """Last night against tonight, over the pairs asked for; suspects re-measured where there are any."""
        import cases

        history = self._history(result)
        base = read_records([Path(result.previous["file"])])
        verdict = compare_records(base, result.records, self.cfg.k, defined=cases.defines, only=self.cfg.pairs,
                                  spread=history.spread)
        wanted = set(self.cfg.pairs)
        verdict.performance += history.persisting_steps([r for r in result.records if (r.case, r.variant) in wanted])
        if self.cfg.confirm and any(f.direction == REGRESSION for f in verdict.suspects()):
            self._confirm(result, verdict)
        return verdict

    def _confirm(self, result: NightResult, verdict: Verdict) -> None:
        """Re-measure the suspects in last night's environment and tonight's, alternating (harness/verdict/
        confirm.py); an environment that no longer builds leaves them unconfirmed, with the reason."""
        sides = []
        for label, versions in (("baseline", result.previous.get("releases") or {}),
                                ("current", result.releases.versions)):
            env = self._environment(Releases(dict(versions)))
            error = env.build()
            if error is not None:
                verdict.notes.append(f"not re-measured: the {label} environment does not build: {one_line(error)}")
                return
            sides.append(Side(label, env, device=self.cfg.device))
        folder = self.cfg.results / "confirm" / f"{result.releases.tag()}-{time.strftime('%Y%m%d-%H%M%S')}"
        cfg = ConfirmConfig(folder, self.cfg.confirm_rounds, self.cfg.confirm_budget_s, self.cfg.confirm_variants)
        with code_snapshot() as code:  # both sides run the same code, as it was when the night began
            sides[0].code = sides[1].code = code
            confirm(verdict, sides[0], sides[1], cfg, log=self.log)

    def _pending(self, out: Path) -> list[tuple[str, str]]:
        """The pairs with fewer records than `repeats` in tonight's file: an interrupted night resumes here."""
        done: dict[tuple[str, str], int] = {}
        for r in read_records([out]) if out.exists() else []:
            done[(r.case, r.variant)] = done.get((r.case, r.variant), 0) + 1
        return [p for p in self.cfg.pairs if done.get(p, 0) < self.cfg.repeats]

    def _environment(self, releases: Releases) -> Environment:
        """The environment of `releases`: the newest ones, so resolved against today's index (no date bound)."""
        return self.environment(EnvSpec(tuple(releases.requirements()), tuple(self.light), as_of=False))

    def _run_suite(self, result: NightResult, pending: list[tuple[str, str]]) -> None:
        env = self._environment(result.releases)
        error = env.build()
        if error is not None:
            result.install_error = error
            self._unsupported(result, pending, error or "the installer gave no reason")
            return
        with code_snapshot() as code:  # every pass runs the code as it was when the night began
            for _ in range(self.cfg.repeats):
                if not pending:
                    break
                self.log(f"fitbench nightly: {len(pending)} variants in {result.releases.tag()}")
                env.run_suite(pending, self.cfg.device, result.out, code)
                result.ran += 1
                pending = self._pending(result.out)

    def _unsupported(self, result: NightResult, pending: list[tuple[str, str]], error: str) -> None:
        """A release that does not install is a finding: one `unsupported` record per variant, with the reason."""
        import cases

        writer = JsonlWriter(result.out)
        env = {**describe(self.cfg.device), "versions": {**result.releases.versions}}
        for case_id, name in pending:
            variant = cases.get(case_id).variant(name)
            writer.write(RunRecord(case=case_id, variant=name, role=variant.role, device=self.cfg.device,
                                   claim=variant.claims.get(self.cfg.device, symptoms.NOT_APPLICABLE),
                                   says=variant.says, observed=symptoms.UNSUPPORTED, agrees=False,
                                   fix_works=False if variant.role == "fix" else None, outcome="error",
                                   metrics={"failed_in": "install"}, env=env,
                                   error={"type": "install", "message": f"the environment does not install: "
                                                                        f"{one_line(error, 1000)}"}))

    def _bisect_findings(self, result: NightResult) -> list[dict[str, Any]]:
        """Bisect what changed, what breaks first (up to max_bisects findings), over each package that moved on
        its own (a companion that only followed its partner moves with it); the boundary found is written on the
        finding."""
        suspects = [p for p in moved_on_their_own(result.moved, self.cfg.device)
                    if all(result.moved[p])]
        targets = [f for f in result.verdict.behaviour] + [f for f in result.verdict.performance
                                                           if f.status == CONFIRMED and f.regression]
        found = []
        with code_snapshot() as code:  # one snapshot of the code for all of tonight's bisect steps
            for f in targets[:self.cfg.max_bisects]:
                metric = f.metric if f.kind == PERFORMANCE else None
                for package in suspects:
                    old, new = result.moved[package]
                    entry = self._bisect(result, package, old, new, f.variants[0], metric, code)
                    found.append(entry)
                    if entry.get("first_changed"):
                        f.boundary = f"{package} {entry['last_same']} → {entry['first_changed']}"
        return found

    def _bisect(self, result: NightResult, package: str, old: str, new: str, case_variant: str,
                metric: str | None, code: Path) -> dict[str, Any]:
        # the others held: a package that also moved at last night's release, the rest at tonight's; what moves
        # with the bisected package (its companions) is not pinned, so that it follows each step
        held = {p: result.moved[p][0] if p in result.moved else v for p, v in result.releases.versions.items()
                if p != package and p not in moves_with(package)}
        pins = tuple(f"{p}=={v}" for p, v in held.items() if v)
        entry: dict[str, Any] = {"package": package, "good": old, "bad": new, "case_variant": case_variant,
                                 "pins": list(pins)}
        try:
            # resolved like tonight's environment (today's index), so a step behaves as the suite did
            cfg = BisectConfig(package, old, new, case_variant, pins, self.cfg.device, metric,
                               self.cfg.results / "bisect", as_of=False)
            bisector = Bisector(cfg, list_versions=lambda p: self.list_versions(p, True),
                                environment=self.environment, release_notes=self.release_notes,
                                light=self.light, log=lambda step: self.log(f"  bisect {package}: {step.version} "
                                                                            f"{step.observed}"), code=code)
            bisected = bisector.run(bisector.validate())
        except BisectError as exc:
            return {**entry, "verdict": f"not bisected: {exc}"}
        from harness.releases.transcript import render, write_outputs

        files = write_outputs(bisected, render(bisected))
        changed = next((s for s in bisected.steps if s.version == bisected.first_changed), None)
        return {**entry, "verdict": bisected.verdict, "kind": bisected.kind, "last_same": bisected.last_same,
                "first_changed": bisected.first_changed, "confirmed": bisected.confirmed,
                "error": (changed.record.error if changed and changed.record else None),
                "release_notes": (bisected.release_notes.format(version=bisected.first_changed)
                                  if bisected.release_notes and bisected.first_changed else None),
                "transcript": str(files[0])}

    def _save_state(self, result: NightResult) -> None:
        history = self.state().get("nights", [])[-50:]
        night = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "releases": result.releases.versions,
                 "file": str(result.out), "new": {p: list(v) for p, v in result.moved.items()},
                 "install_error": result.install_error}
        complete = not self._pending(result.out)
        state = {"last": night if complete else (result.previous or night), "nights": [*history, night]}
        if not complete:  # an interrupted or cut night: compared again tomorrow against the last whole one
            state["incomplete"] = str(result.out)
        (self.cfg.results / STATE).write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")


def newest_environment(files: list[Path], device: str, within: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """The file among `files` whose environment is the newest (TensorFlow, then transformers, then tf-keras and
    Keras, by release order; the most records on a tie), as a night's state: what the first night compares with.
    Files of other devices, of environments outside the night's bounds (`within`), and of environments where
    nothing ran (every record `unsupported` or not applicable) do not count."""
    from packaging.requirements import Requirement

    from harness.env.packages import version_key
    from harness.results.records import CorruptResults

    bounds = {Requirement(r).name: Requirement(r).specifier for r in within}
    best, best_key = None, None
    for path in files:
        try:
            records = [r for r in read_records([path]) if r.device == device and r.outcome != "skipped"
                       and r.observed != symptoms.UNSUPPORTED]
        except CorruptResults:
            continue
        if not records:
            continue
        versions = (records[0].env or {}).get("versions") or {}
        if any(versions.get(name) and not spec.contains(versions[name], prereleases=True)
               for name, spec in bounds.items()):
            continue
        key = (*(version_key(versions.get(p) or "0") for p in ("tensorflow", "transformers", "tf-keras", "keras")),
               len(records))
        if best_key is None or key > best_key:
            best, best_key = {"releases": {p: versions.get(p) for p in ("tensorflow", "tf-keras", "keras",
                                                                          "transformers")},
                              "file": str(path), "date": "results already there", "known": True}, key
    return best


def default_results() -> Path:
    """Where nights keep their results unless told: results/nightly/ in the checkout's working directory."""
    return Path("results/nightly") if Path("results").is_dir() else cache_dir() / "nightly"
