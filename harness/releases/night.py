"""`fitbench nightly`: one night — the suite in an environment, judged against the night before, what changed
bisected — whether the environment is the newest releases (`--latest`) or this interpreter.

1. Resolve: with `latest`, the newest TensorFlow, tf-keras, Keras and transformers from the index
   (harness/releases/latest.py; an index that cannot be asked is bad input, before anything runs) and their
   environment (harness/env/environment.py, built with uv); without, this interpreter and what it has installed.
2. Run the suite there into tonight's file (`repeats` times, resuming what an interrupted night left; one writer
   per file). An environment that does not install gives `unsupported` records with the installer's reason.
3. Judge against the previous night — the `baseline` file where one is given, else last night's (state.json: the
   index of the one store of nights, harness/verdict/history.py), else the newest environment already in the
   results — over the pairs asked for, suspects re-measured in both
   environments, and bisect what changed over the packages that moved on their own (harness/releases/judge.py).
Exit codes are the verdict's (harness/verdict/findings.py). Every side effect is a function or a factory the
constructor takes, so the whole path is tested with fakes; the case registry is handed in.
"""
from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from harness import cache_dir
from harness.env.build import one_line
from harness.env.describe import describe, versions as installed
from harness.env.environment import CurrentInterpreter, EnvSpec, Environment, Factory, UvEnvironment
from harness.env.index import list_versions, pypi_release_notes
from harness.env.requirements import light_requirements
from harness.env.suite_process import code_snapshot
from harness.releases.judge import Bisecting, Judging, bisect_findings, build_sides, judge_night, records_of
from harness.releases.latest import DEFAULT_WITHIN, PACKAGES, Releases, resolve
from harness.results.lock import results_lock
from harness.results.records import JsonlWriter, RunRecord
from harness.results.reading import read_records
from harness.spec import symptoms
from harness.verdict.confirm import ConfirmSettings
from harness.verdict.findings import Verdict
from harness.verdict.history import read_index, stored_nights, write_index


@dataclass
class NightConfig:
    results: Path                       # where nights keep their state, re-measurements and bisects
    pairs: list[tuple[str, str]]        # (case, variant) to run
    device: str = "cpu"
    repeats: int = 1
    latest: bool = True                 # the newest releases, built; False: this interpreter
    pre: bool = False
    within: tuple[str, ...] = DEFAULT_WITHIN
    max_bisects: int = 2
    k: float = 3.0
    rerun: bool = False                 # run even when nothing is new and tonight's results are complete
    known: list[Path] = field(default_factory=list)  # results files to compare with before the first night
    out: Path | None = None             # tonight's records (default: named after the environment, or the date)
    baseline: Path | None = None        # judge against this file instead of last night's
    confirm: bool = True                # re-measure performance suspects in both environments
    confirming: ConfirmSettings = field(default_factory=ConfirmSettings)
    asv: bool = False                   # this interpreter only: also `asv run` (asv's own history)

    def judging(self) -> Judging:
        return Judging(pairs=self.pairs, device=self.device, folder=self.results, k=self.k, confirm=self.confirm,
                       confirming=self.confirming, max_bisects=self.max_bisects)


@dataclass
class NightResult:
    releases: Releases
    previous: dict[str, Any] | None     # what tonight is judged against: its releases and results file
    moved: dict[str, tuple[str | None, str | None]]
    out: Path
    records: list[RunRecord] = field(default_factory=list)
    verdict: Verdict | None = None
    bisects: list[dict[str, Any]] = field(default_factory=list)
    install_error: str | None = None
    ran: int = 0                        # suite passes run tonight (0: nothing new and nothing missing)
    code: int = 0                       # a suite or asv run that failed passes its exit code on


class Night:
    def __init__(self, cfg: NightConfig, registry: Any, list_versions: Callable[..., list[str]] = list_versions,
                 environment: Factory = UvEnvironment, here: Environment | None = None,
                 release_notes: Callable[[str], str | None] | None = pypi_release_notes,
                 light: list[str] | None = None, log: Callable[[str], None] = print):
        self.cfg, self.registry, self.list_versions, self.environment = cfg, registry, list_versions, environment
        self.here = here or CurrentInterpreter()
        self.release_notes, self.log = release_notes, log
        self.light = light_requirements() if light is None else light

    def resolve(self) -> Releases:
        """Before anything runs: IndexUnreachable propagates (the command's one line, exit 2)."""
        if self.cfg.latest:
            return resolve(self.list_versions, self.cfg.pre, self.cfg.within)
        return Releases({p: installed().get(p) for p in PACKAGES})

    def state(self) -> dict[str, Any]:
        """The store's index of this results folder (harness/verdict/history.py: the one store of nights)."""
        return read_index(self.cfg.results)

    def run(self, releases: Releases) -> NightResult:
        previous = self._previous()
        moved = releases.moved((previous or {}).get("releases", {}))
        result = NightResult(releases, previous, moved, self._out(releases))
        with results_lock(result.out):
            pending = self._pending(result.out)
            if pending or (moved and previous) or self.cfg.rerun:
                self._run_suite(result, pending or list(self.cfg.pairs))
            result.records = read_records([result.out]) if result.out.exists() else []
            if previous and previous.get("file") != str(result.out) and Path(previous["file"]).is_file():
                self._judge(result)
            self._save_state(result)
        return result

    def _previous(self) -> dict[str, Any] | None:
        if self.cfg.baseline is not None:
            records = records_of(self.cfg.baseline)
            if not records:
                return None
            found = (records[0].env or {}).get("versions") or {}
            return {"releases": {p: found.get(p) for p in PACKAGES}, "file": str(self.cfg.baseline),
                    "date": "the baseline"}
        return self.state().get("last") or newest_environment(self.cfg.known, self.cfg.device, self.cfg.within)

    def _out(self, releases: Releases) -> Path:
        if self.cfg.out is not None:
            return self.cfg.out
        if self.cfg.latest:  # one file per environment: an interrupted night resumes into it
            return self.cfg.results / f"{releases.tag()}-{self.cfg.device}.jsonl"
        now = datetime.now()  # this interpreter: a new file each night, never one already written
        names = [f"nightly-{now:%Y%m%d}", f"nightly-{now:%Y%m%d-%H%M%S}",
                 *(f"nightly-{now:%Y%m%d-%H%M%S}-{n}" for n in range(2, 100))]
        return next(p for p in (self.cfg.results / f"{name}.jsonl" for name in names) if not p.exists())

    def _environment(self, releases: Releases) -> Environment:
        """Tonight's environment: the newest releases (resolved against today's index: no date bound), or this
        interpreter."""
        if not self.cfg.latest and releases.versions == {p: installed().get(p) for p in PACKAGES}:
            return self.here
        return self.environment(EnvSpec(tuple(releases.requirements()), tuple(self.light), as_of=False))

    def _pending(self, out: Path) -> list[tuple[str, str]]:
        """The pairs with fewer records than `repeats` in tonight's file: an interrupted night resumes here."""
        done: dict[tuple[str, str], int] = {}
        for r in read_records([out]) if out.exists() else []:
            done[(r.case, r.variant)] = done.get((r.case, r.variant), 0) + 1
        return [p for p in self.cfg.pairs if done.get(p, 0) < self.cfg.repeats]

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
                result.code = env.run_suite(pending, self.cfg.device, result.out, code) or result.code
                result.ran += 1
                pending = self._pending(result.out)
        if self.cfg.asv and not self.cfg.latest:
            result.code = run_asv(self.cfg.pairs) or result.code

    def _unsupported(self, result: NightResult, pending: list[tuple[str, str]], error: str) -> None:
        """A release that does not install is a finding: one `unsupported` record per variant, with the reason."""
        writer = JsonlWriter(result.out)
        env = {**describe(self.cfg.device), "versions": {**result.releases.versions}}
        for case_id, name in pending:
            variant = self.registry.get(case_id).variant(name)
            writer.write(RunRecord(case=case_id, variant=name, role=variant.role, device=self.cfg.device,
                                   claim=variant.claims.get(self.cfg.device, symptoms.NOT_APPLICABLE),
                                   says=variant.says, observed=symptoms.UNSUPPORTED, agrees=False,
                                   fix_works=False if variant.role == "fix" else None, outcome="error",
                                   diagnostics={"failed_in": "install"}, env=env,
                                   error={"type": "install", "message": f"the environment does not install: "
                                                                        f"{one_line(error, 1000)}"}))

    def _judge(self, result: NightResult) -> None:
        cfg = self.cfg.judging()
        previous_env = self._environment(Releases(dict(result.previous.get("releases") or {})))
        tonight_env = self._environment(result.releases)
        history = [n.file for n in stored_nights(self.cfg.results) if str(n.file) != str(result.out)]
        result.verdict = judge_night(cfg, records_of(result.previous["file"]), result.records, history,
                                     lambda: build_sides(previous_env, tonight_env), self.registry.defines, self.log,
                                     files={"baseline": str(result.previous["file"]), "current": str(result.out)})
        result.bisects = bisect_findings(cfg, result.verdict, Bisecting(
            result.releases.versions, result.moved, self.list_versions, self.environment, self.release_notes,
            self.light, self.registry, self.log))

    def _save_state(self, result: NightResult) -> None:
        history = self.state().get("nights", [])[-50:]
        night = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "releases": result.releases.versions,
                 "file": str(result.out), "new": {p: list(v) for p, v in result.moved.items()},
                 "install_error": result.install_error}
        complete, held = not self._pending(result.out), _held(result.verdict)
        # a confirmed slowdown must not become tomorrow's baseline, or the next night judges against the slow one
        state = {"last": night if complete and not held else (result.previous or night), "nights": [*history, night]}
        if not complete:  # an interrupted or cut night: judged again tomorrow against the last whole one
            state["incomplete"] = str(result.out)
        if held and complete and result.previous:
            state["held"] = {"night": night["date"], "because": held}
            self.log(f"fitbench nightly: tonight is not tomorrow's baseline ({held}); tomorrow is judged against "
                     f"{result.previous.get('date')} again — --baseline {result.out} accepts tonight's numbers")
        write_index(self.cfg.results, state)


def _held(verdict: Verdict | None) -> str:
    """Why tonight may not be tomorrow's baseline: its confirmed performance regressions ("" where none)."""
    slow = verdict.regressed_measurements() if verdict is not None else 0
    return f"{slow} performance regression{'s' * (slow != 1)} confirmed" if slow else ""


def run_asv(pairs: list[tuple[str, str]]) -> int:
    """`asv run` on this commit in this interpreter, for asv's own history (needs asv.conf.json here)."""
    if not Path("asv.conf.json").is_file():
        raise NightError("--asv needs asv.conf.json in the working directory")
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    cases = sorted({c for c, _ in pairs})
    cmd = [sys.executable, "-m", "asv", "run", "--python=same", "--set-commit-hash", head, "--bench", "|".join(cases)]
    return subprocess.run(cmd).returncode


class NightError(Exception):
    """A missing prerequisite: the command's one line, exit 2."""


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
        found = (records[0].env or {}).get("versions") or {}
        if any(found.get(name) and not spec.contains(found[name], prereleases=True) for name, spec in bounds.items()):
            continue
        key = (*(version_key(found.get(p) or "0") for p in ("tensorflow", "transformers", "tf-keras", "keras")),
               len(records))
        if best_key is None or key > best_key:
            best, best_key = {"releases": {p: found.get(p) for p in PACKAGES}, "file": str(path),
                              "date": "results already there", "known": True}, key
    return best


def default_results(latest: bool = True) -> Path:
    """Where nights keep their results unless told: results/nightly/ (the newest releases) or results/runs/ (this
    interpreter) in the checkout's working directory, else under fitbench's cache."""
    folder = "nightly" if latest else "runs"
    return Path("results") / folder if Path("results").is_dir() else cache_dir() / folder
