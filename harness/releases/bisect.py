"""`fitbench bisect`'s search: the first release of a library where a variant's observed behaviour changed.

    fitbench bisect transformers --good 4.30.0 --bad 4.57.6 --case CASE:VARIANT --pin tensorflow==2.15.1

lists the released versions between --good and --bad from the package index, makes one environment per
version it needs (harness/env/environment.py: resolved *as of* the newest pinned release's upload unless
`as_of` is off, so its transitive dependencies are the ones users had then), runs the variant there through the
ordinary runner (so the record names the versions that really ran and the date bound), binary-searches for the
first release whose behaviour (harness.verdict.behaviour.identity: the symptom, a failure's type and its normalised
line) differs from --good's, or whose metric moved
beyond compare's noise threshold, and reruns both sides of the boundary to confirm it.

Every side effect goes through what the constructor takes, which tests replace with fakes: `list_versions(package)`,
`environment(EnvSpec) -> Environment` (resolve, build, run_variant), `release_notes` and `release_metadata`. An
environment that fails to install is an `unsupported` step, its reason read from the release's metadata where that
explains it (no wheel for this Python, a requires-python that excludes it), and the search moves to a neighbour.
Where one endpoint runs fitbench and the other does not, the search first finds that installability boundary,
then bisects the behaviour within the releases that run (from the first of them to the endpoint that runs), and
reports both. Bad input (unknown package, version, case or variant, malformed pin, an endpoint no resolver can
install for another reason than its metadata gives, an index that cannot date a pin) is a BisectError before
anything runs. The transcript and the files are harness/releases/transcript.py's.
"""
from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from harness import cache_dir
from harness.env.build import one_line
from harness.env.companions import with_companions
from harness.env.environment import EnvSpec, Factory, UvEnvironment
from harness.env.index import IndexUnreachable, list_versions, pypi_release_notes, release_metadata
from harness.env.packages import is_final, req_name, version_key
from harness.env.requirements import light_requirements
from harness.results import metrics
from harness.releases.installability import likely_fix, metadata_reason, runs_fitbench, why_not
from harness.results.records import RunRecord
from harness.verdict.behaviour import identity, label, transition
from harness.verdict.noise import suspicion
from harness.spec import symptoms


class BisectError(Exception):
    """Bad input: one line, exit 2, nothing built or run."""


@dataclass(frozen=True)
class BisectConfig:
    package: str
    good: str
    bad: str
    case_variant: str                  # case:variant
    pins: tuple[str, ...] = ()         # pkg==ver (or any requirement) added to every environment
    device: str = "cpu"
    metric: str | None = "final_loss"  # also a change: this metric moving beyond the noise threshold; None: symptom only
    out_dir: Path = Path("results/bisect")
    as_of: bool = True                 # resolve each environment as of its newest pinned release; False: today's index

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", self.package):
            raise BisectError(f"package: {self.package!r} is not a package name")
        if self.good == self.bad:
            raise BisectError(f"--good and --bad are the same version ({self.good})")
        case_id, sep, variant = self.case_variant.partition(":")
        if not sep or not case_id or not variant:
            raise BisectError(f"--case: {self.case_variant!r} is not CASE:VARIANT")
        for pin in self.pins:
            name = req_name(pin)
            if not name or not re.search(r"(==|>=|<=|~=|<|>|!=)\s*[0-9]", pin):
                raise BisectError(f"--pin: {pin!r} is not a requirement like tensorflow==2.15.1")
            if name == req_name(self.package):
                raise BisectError(f"--pin: {pin!r} pins the package being bisected")
        if self.device not in ("cpu", "gpu"):
            raise BisectError(f"--device: {self.device!r} is not cpu or gpu")
        if not isinstance(self.as_of, bool):
            raise BisectError(f"as_of: {self.as_of!r} is not True or False")


@dataclass
class Step:
    """One version's run: `status` is ran | unsupported (the environment did not install)."""
    version: str
    status: str
    observed: str
    metric: float | None = None
    record: RunRecord | None = None
    install_error: str | None = None
    seconds: float = 0.0
    phase: str = "search"   # endpoint | search | confirm
    companions: dict[str, str] = field(default_factory=dict)  # tied packages as installed, e.g. {"tf-keras": "2.18.0"}
    resolved_as_of: dict[str, Any] | None = None  # the date bound its environment resolved under (None: today's)


@dataclass
class BisectResult:
    config: BisectConfig
    versions: list[str]                        # candidates, ordered from --good towards --bad
    steps: list[Step] = field(default_factory=list)
    last_same: str | None = None               # the last release that behaves like --good
    first_changed: str | None = None           # the first release that does not
    confirmed: bool | None = None
    verdict: str = ""
    release_notes: str | None = None           # a URL pattern with {version}
    kind: str = "behaviour"                    # behaviour | installability (a side that does not run fitbench)
    unusable: str | None = None                # neither endpoint runs fitbench: why, and the likely fix
    # where part of the range does not run fitbench: {"last", "first" (ordered from --good), "runs" (the side that
    # does), "why", "fix", "confirmed"}; last_same / first_changed are then the behaviour boundary within the part
    # that runs where one was found there, else this boundary (kind "installability")
    installability: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)  # asdict recurses into each step's RunRecord too
        out["config"]["out_dir"] = str(self.config.out_dir)
        return out


# --- search ---------------------------------------------------------------------------------------------------

def candidates(available: list[str], good: str, bad: str, package: str = "") -> list[str]:
    """Final releases from --good to --bad inclusive, ordered from --good towards --bad (either may be older)."""
    for name, v in (("--good", good), ("--bad", bad)):
        if v not in available:
            near = ", ".join(sorted(available, key=version_key)[-3:])
            raise BisectError(f"{name} {v}: no such release of {package or 'the package'} (newest: {near})")
    lo, hi = sorted((good, bad), key=version_key)
    inside = [v for v in available if is_final(v) or v in (good, bad)]
    inside = sorted({v for v in inside if version_key(lo) <= version_key(v) <= version_key(hi)}, key=version_key)
    return inside if version_key(good) < version_key(bad) else inside[::-1]


def spec_for(cfg: BisectConfig, version: str, light: list[str]) -> tuple[EnvSpec, list[str]]:
    """(the environment's spec, tied packages): the bisected package at `version` with the companions tied to it
    (harness/env/companions.py: tf-keras of TF's minor, ...) and the pins, around fitbench's light dependencies;
    resolved as of the newest of them where cfg.as_of."""
    tied, used = with_companions(cfg.package, version, list(cfg.pins), cfg.device)
    spec = EnvSpec((*tied, *cfg.pins), tuple(light), cfg.as_of)
    return spec, [c.package for c in used if c.package != req_name(cfg.package)]


def requirements_for(cfg: BisectConfig, version: str, light: list[str]) -> tuple[list[str], list[str]]:
    """(requirements, tied packages) of `version`'s environment: spec_for's, with the era pins not overridden."""
    spec, tied = spec_for(cfg, version, light)
    return spec.requirements(), tied


def _metric(record: RunRecord, name: str | None) -> float | None:
    value = (record.metrics or {}).get(name) if name else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def step_behaviour(step: Step) -> str:
    """A step's behaviour as compared: its record's identity (symptom, a failure's type and normalised line); a
    release that did not install is `unsupported`."""
    return identity(step.record) if step.record is not None else step.observed


def differs(ref: list[Step], step: Step, metric: str | None) -> bool:
    """A step differs from the reference (--good's runs) when its behaviour does, or its metric moved beyond
    the suspect threshold (harness/verdict/noise.py: max(factor, k × MAD/median); the factor alone without
    repeats). The boundary is then rerun on both sides (Bisector._confirm)."""
    if step_behaviour(step) != step_behaviour(ref[0]):
        return True
    base = [s.metric for s in ref if s.metric is not None]
    if not metric or not base or step.metric is None:
        return False
    registered = metrics.get(metric)
    return suspicion(base, [step.metric], bool(registered and registered.timing)).suspect


class Bisector:
    """The search. `registry` is the case registry (the `cases` package: `get(case_id)`); `environment` makes the
    environment of a release (harness/env/environment.py's UvEnvironment; tests pass a factory of fakes); `code` is
    the snapshot of fitbench's code every step runs (None: the checkout); `release_metadata` says what each release
    was built for (asked only when an environment does not install)."""

    def __init__(self, cfg: BisectConfig, *, registry: Any, list_versions: Callable[[str], list[str]] = list_versions,
                 environment: Factory = UvEnvironment,
                 release_notes: Callable[[str], str | None] | None = pypi_release_notes,
                 light: list[str] | None = None, log: Callable[["Step"], None] = lambda step: None,
                 code: Path | None = None, release_metadata: Callable[[str], dict[str, dict]] = release_metadata):
        self.cfg, self.registry, self.environment, self.log, self.code = cfg, registry, environment, log, code
        self._list_versions, self._release_notes, self._release_metadata = list_versions, release_notes, \
            release_metadata
        self.light = light_requirements() if light is None else light
        self.stamp = time.strftime("%Y%m%d-%H%M%S")
        self.kind = "behaviour"  # what the search compares: set by run() once the endpoints are known
        self._metadata: dict[str, dict] | None = None
        self._hidden: set[str] = set()  # releases of the range that pip does not offer this interpreter

    def not_installable(self, version: str) -> str | None:
        """Why the release cannot install here, from its metadata (harness/releases/installability.py)."""
        if self._metadata is None:
            self._metadata = self._release_metadata(self.cfg.package)
        return metadata_reason(self.cfg.package, version, self._metadata)

    def validate(self) -> list[str]:
        """Everything that can be checked before anything is built: raises BisectError; returns the candidates.
        An endpoint that cannot resolve is bad input, unless its metadata says why (then the other must resolve)."""
        case_id, _, variant = self.cfg.case_variant.partition(":")
        try:
            self.registry.get(case_id).variant(variant)
        except KeyError as exc:
            raise BisectError(f"--case: {str(exc).strip(chr(39) + chr(34))}") from None
        try:
            available = self._with_hidden(self._list_versions(self.cfg.package))
        except IndexUnreachable as exc:
            raise BisectError(str(exc)) from None
        versions = candidates(available, self.cfg.good, self.cfg.bad, self.cfg.package)
        failed = {end: self.not_installable(end) or "" for end in (self.cfg.good, self.cfg.bad) if end in self._hidden}
        for end in (self.cfg.good, self.cfg.bad):
            if end in failed:
                continue
            try:  # the date bound asks the index when each pin was uploaded: unreachable is bad input too
                error = self.environment(spec_for(self.cfg, end, self.light)[0]).resolve().error
            except IndexUnreachable as exc:
                raise BisectError(str(exc)) from None
            if error:
                failed[end] = error
        for end, error in failed.items():
            if len(failed) == 2 or not self.not_installable(end):
                raise BisectError(f"{self.cfg.package}=={end} with {' '.join(self.cfg.pins) or 'no pins'} "
                                  f"cannot be installed: {one_line(error)}")
        return versions

    def _with_hidden(self, available: list[str]) -> list[str]:
        """pip lists only the releases this interpreter can install: an endpoint it hides (a TensorFlow older than
        the Python) is found in the index's metadata, with every other hidden release of the range."""
        if {self.cfg.good, self.cfg.bad} <= set(available):
            return available
        if self._metadata is None:
            self._metadata = self._release_metadata(self.cfg.package)
        hidden = {v for v, m in self._metadata.items() if v not in available and (m.get("wheels") or m.get("sdist"))}
        if not {self.cfg.good, self.cfg.bad} <= set(available) | hidden:
            return available  # an endpoint no index knows: candidates() says so
        self._hidden = hidden
        return available + sorted(hidden)

    def evaluate(self, version: str, phase: str = "search") -> Step:
        start = time.perf_counter()
        spec, tied = spec_for(self.cfg, version, self.light)
        env = self.environment(spec)
        # a release pip does not offer this interpreter is not built: its metadata is the reason
        error = (self.not_installable(version) or "the index offers no file of this release to this interpreter") \
            if version in self._hidden else env.build()
        as_of = env.describe().get("resolved_as_of")
        if error is not None:
            why = self.not_installable(version)
            step = Step(version, "unsupported", symptoms.UNSUPPORTED,
                        install_error=f"{why}\ninstaller: {error}" if why and why != error else error, phase=phase,
                        seconds=time.perf_counter() - start, resolved_as_of=as_of,
                        companions={p: next(r for r in spec.pins if req_name(r) == p) for p in tied})
        else:
            case_id, _, variant = self.cfg.case_variant.partition(":")
            # each run's own results file stays in the cache; the records end up together in --out's .jsonl
            out = cache_dir() / "bisect-runs" / f"{self.stamp}-{self.cfg.package}{version}-{case_id}-{variant}.jsonl"
            record = env.run_variant(self.cfg.case_variant, self.cfg.device, out, self.code)
            installed = (record.env or {}).get("versions") or {}
            step = Step(version, "ran", record.observed, _metric(record, self.cfg.metric),
                        record=record, phase=phase, seconds=time.perf_counter() - start, resolved_as_of=as_of,
                        companions={p: installed.get(p) or "none" for p in tied})
        self.log(step)  # as it happens: a bisect runs for minutes
        return step

    def run(self, versions: list[str] | None = None) -> BisectResult:
        versions = versions if versions is not None else self.validate()
        result = BisectResult(self.cfg, versions)
        steps: dict[int, Step] = {}

        def at(i: int, phase: str = "search") -> Step:
            if i not in steps:
                steps[i] = self.evaluate(versions[i], phase)
                result.steps.append(steps[i])
            return steps[i]

        good, bad = at(0, "endpoint"), at(len(versions) - 1, "endpoint")
        if not runs_fitbench(good) and not runs_fitbench(bad):
            p = self.cfg.package
            result.unusable = (f"neither endpoint runs fitbench, so there is no behaviour to bisect: {p} "
                               f"{versions[0]}: {why_not(good)}; {p} {versions[-1]}: {why_not(bad)}. Likely fix: "
                               f"{likely_fix(good)}")
            result.verdict = f"no comparison: {result.unusable}"
            return result
        lo, hi, prefix = 0, len(versions) - 1, ""
        if runs_fitbench(good) != runs_fitbench(bad):
            lo, hi = self._past_installability(result, versions, at)
            prefix = f"{result.verdict}. Within the releases that run ({versions[lo]} … {versions[hi]}): "
            if lo == hi:
                result.verdict += f"; {versions[lo]} is the only release that runs: no behaviour to bisect"
                return self._with_notes(result)
        self._behaviour(result, versions, lo, hi, at, steps)
        result.verdict = prefix + result.verdict
        return self._with_notes(result)

    def _with_notes(self, result: BisectResult) -> BisectResult:
        if self._release_notes and result.first_changed:
            result.release_notes = self._release_notes(self.cfg.package)
        return result

    def _past_installability(self, result: BisectResult, versions: list[str],
                             at: Callable[[int, str], Step]) -> tuple[int, int]:
        """Where fitbench stops (or starts) running, confirmed, into result.installability (and, until a behaviour
        boundary is found, into last_same / first_changed); returns the runnable part's first and last index,
        ordered from --good."""
        self.kind = result.kind = "installability"
        lo, hi = self._search(0, len(versions) - 1, [at(0)], at)
        result.last_same, result.first_changed = versions[lo], versions[hi]
        result.confirmed = self._confirm([at(0)], versions[lo], versions[hi], result)
        result.verdict = self._verdict(at(lo), at(hi), [], result.confirmed)
        runs, fails = (at(lo), at(hi)) if runs_fitbench(at(lo)) else (at(hi), at(lo))
        result.installability = {"last": versions[lo], "first": versions[hi], "runs": runs.version,
                                 "why": why_not(fails), "fix": likely_fix(fails), "confirmed": result.confirmed}
        self.kind = "behaviour"
        return (0, lo) if runs_fitbench(at(0)) else (hi, len(versions) - 1)

    def _behaviour(self, result: BisectResult, versions: list[str], lo: int, hi: int,
                   at: Callable[..., Step], steps: dict[int, Step]) -> None:
        """The behaviour boundary between versions[lo] (the reference) and versions[hi], both of which run."""
        ref = [at(lo)]
        if not self._differs(ref, at(hi)):
            result.verdict = (f"no change: {versions[hi]} behaves like {versions[lo]} ({step_behaviour(ref[0])}); "
                              f"the {hi - lo - 1} releases in between were not run (a change and its revert would "
                              f"hide there)")
            return
        lo, hi = self._search(lo, hi, ref, at)
        skipped = [versions[i] for i in range(lo + 1, hi)]
        install = result.installability
        result.kind, result.last_same, result.first_changed = "behaviour", versions[lo], versions[hi]
        confirmed = self._confirm(ref, versions[lo], versions[hi], result)
        result.confirmed = confirmed and (install is None or bool(install["confirmed"]))  # both boundaries held
        result.verdict = self._verdict(steps[lo], steps[hi], skipped, confirmed)

    def _search(self, lo: int, hi: int, ref: list[Step], at: Callable[..., Step]) -> tuple[int, int]:
        """Binary search; invariant: lo behaves like ref, hi differs."""
        while hi - lo > 1:
            mid = (lo + hi) // 2 if self.kind == "installability" else self._next_supported(lo, hi, at)
            if mid is None:
                break  # everything between lo and hi failed to install: the boundary is somewhere in there
            if self._differs(ref, at(mid)):
                hi = mid
            else:
                lo = mid
        return lo, hi

    def _differs(self, ref: list[Step], step: Step) -> bool:
        """A change of behaviour; in an installability search, a change of whether fitbench runs at all."""
        if self.kind == "installability":
            return runs_fitbench(step) != runs_fitbench(ref[0])
        return differs(ref, step, self.cfg.metric)

    @staticmethod
    def _next_supported(lo: int, hi: int, at: Callable[[int], Step]) -> int | None:
        """The middle of (lo, hi), or its nearest neighbour whose environment installs; None if none does.
        A failed install is kept as an `unsupported` step and the search moves on around it."""
        mid = (lo + hi) // 2
        for i in sorted(range(lo + 1, hi), key=lambda i: (abs(i - mid), i)):
            if at(i).status == "ran":
                return i
        return None

    def _confirm(self, ref: list[Step], last_same: str, first_changed: str, result: BisectResult) -> bool:
        """Rerun both sides: the last ref-like release must again behave like the reference, the first changed
        again differ. The reruns join the reference, so the metric's noise threshold is measured, not the floor."""
        same, changed = self.evaluate(last_same, "confirm"), self.evaluate(first_changed, "confirm")
        result.steps += [same, changed]
        if self.kind == "behaviour" and (same.status != "ran" or changed.status != "ran"):
            return False
        first_same = next(s for s in result.steps if s.version == last_same and s.phase != "confirm")
        ref2 = ref + ([first_same] if first_same is not ref[0] else []) + [same]
        return not self._differs(ref2, same) and self._differs(ref2, changed)

    def _verdict(self, lo: Step, hi: Step, skipped: list[str], confirmed_: bool) -> str:
        p = self.cfg.package
        confirmed = "; confirmed by rerunning both sides" if confirmed_ else "; NOT confirmed on rerun"
        if self.kind == "installability":
            runs, fails = (lo, hi) if runs_fitbench(lo) else (hi, lo)
            return (f"installability boundary between {p} {lo.version} and {hi.version}, not a behaviour change: "
                    f"fitbench runs the variant with {p} {runs.version} ({label(step_behaviour(runs))}) but not "
                    f"with {fails.version} ({why_not(fails)}); likely fix: {likely_fix(fails)}{confirmed}")
        what = transition(step_behaviour(lo), step_behaviour(hi)) if step_behaviour(lo) != step_behaviour(hi) \
            else f"{self.cfg.metric} {lo.metric:.4g} → {hi.metric:.4g} (symptom {lo.observed} on both sides)"
        text = f"changed between {p} {lo.version} and {hi.version}: {what}"
        if skipped:
            text += f"; {len(skipped)} release(s) in between did not install ({', '.join(skipped)})"
        return text + confirmed
