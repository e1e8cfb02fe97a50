"""`fitbench bisect`: the first release of a library where a variant's observed behaviour changed.

    fitbench bisect transformers --good 4.30.0 --bad 4.57.6 --case labels_in_dict_keras_loss:labels_in_dict \
        --pin tensorflow==2.15.1

lists the released versions between --good and --bad from pip's index, builds one environment per version it
needs (cached under `<fitbench cache>/envs/`, with uv where it is installed, else venv + pip), runs the variant
there through the ordinary runner (`<env>/bin/python -m harness run --json ...`, so the record names the
versions that really ran), binary-searches for the first release whose observed symptom differs from --good's,
or whose metric moved beyond compare's noise threshold, reruns both sides of the boundary to confirm it, and
prints the two releases with their records and the release notes' links.

Every side effect goes through three functions that tests replace with fakes: `list_versions(package)`,
`build_env(requirements)` and `run_variant(python, case_variant, device, out)`. An environment that fails to
install is an `unsupported` step and the search moves to a neighbour; bad input (unknown package, version, case
or variant, malformed pin, an endpoint no resolver can install) is a BisectError before anything runs.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from harness import symptoms
from harness.compare import FLOOR, TIMING, TIMING_FLOOR_UNMEASURED, noise_threshold

# pyarrow >= 22 refuses numpy 1.x at import time (README, asv), which no resolver can see; TF <= 2.16 needs
# numpy < 2. 21.x works with numpy 1.26 and 2.x. A --pin of pyarrow replaces this.
DEFAULT_PINS = ("pyarrow<22",)
INSTALL_TIMEOUT_S = 1800
RUN_TIMEOUT_S = 1800


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

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", self.package):
            raise BisectError(f"package: {self.package!r} is not a package name")
        if self.good == self.bad:
            raise BisectError(f"--good and --bad are the same version ({self.good})")
        case_id, sep, variant = self.case_variant.partition(":")
        if not sep or not case_id or not variant:
            raise BisectError(f"--case: {self.case_variant!r} is not CASE:VARIANT")
        for pin in self.pins:
            name = _req_name(pin)
            if not name or not re.search(r"(==|>=|<=|~=|<|>|!=)\s*[0-9]", pin):
                raise BisectError(f"--pin: {pin!r} is not a requirement like tensorflow==2.15.1")
            if name == _req_name(self.package):
                raise BisectError(f"--pin: {pin!r} pins the package being bisected")
        if self.device not in ("cpu", "gpu"):
            raise BisectError(f"--device: {self.device!r} is not cpu or gpu")


@dataclass
class Step:
    """One version's run: `status` is ran | unsupported (the environment did not install)."""
    version: str
    status: str
    observed: str
    metric: float | None = None
    record: dict[str, Any] | None = None
    install_error: str | None = None
    seconds: float = 0.0
    phase: str = "search"   # endpoint | search | confirm


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

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["config"]["out_dir"] = str(self.config.out_dir)
        return out


# --- the three side effects (real implementations; tests pass fakes) -----------------------------------------

def _req_name(req: str) -> str:
    return re.split(r"[\s\[<>=!~;(]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def pip_list_versions(package: str) -> list[str]:
    """Released versions from pip's configured index (`pip index versions`), newest first."""
    proc = subprocess.run([sys.executable, "-m", "pip", "index", "versions", package],
                          capture_output=True, text=True, timeout=120)
    match = re.search(r"Available versions:\s*(.+)", proc.stdout)
    if proc.returncode != 0 or not match:
        last = (proc.stderr.strip().splitlines() or ["no versions"])[-1]
        raise BisectError(f"{package}: not found on the package index ({last.removeprefix('ERROR: ')})")
    return [v.strip() for v in match.group(1).split(",") if v.strip()]


def _uv() -> list[str] | None:
    """uv: $FITBENCH_UV, on PATH, or the `uv` package of this interpreter; None: fall back to venv + pip."""
    exe = os.environ.get("FITBENCH_UV") or shutil.which("uv")
    if not exe:
        try:
            import uv  # type: ignore[import-not-found]

            exe = uv.find_uv_bin()
        except Exception:
            return None
    return [exe]


def env_dir(requirements: list[str]) -> Path:
    from harness.model import cache_dir

    key = hashlib.sha256("\n".join(sorted(requirements) + [sys.version]).encode()).hexdigest()[:16]
    return cache_dir() / "envs" / key


def uv_build_env(requirements: list[str]) -> tuple[Path | None, str | None]:
    """(python of a cached environment with `requirements` and this checkout on sys.path, None) or
    (None, the installer's error). Failures are cached too, so a rerun does not retry an uninstallable set."""
    root = env_dir(requirements)
    python = root / "bin" / "python"
    done, failed = root / "fitbench-env.json", root / "fitbench-env-failed.txt"
    if done.exists():
        return python, None
    if failed.exists():
        return None, failed.read_text()
    shutil.rmtree(root, ignore_errors=True)
    uv = _uv()
    create = (uv + ["venv", "-q", "-p", sys.executable, str(root)]) if uv else \
        [sys.executable, "-m", "venv", str(root)]
    install = (uv + ["pip", "install", "-q", "-p", str(python)]) if uv else [str(python), "-m", "pip", "install", "-q"]
    for cmd in (create, install + requirements):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
        if proc.returncode != 0:
            message = _install_error(proc.stderr or proc.stdout)
            root.mkdir(parents=True, exist_ok=True)
            failed.write_text(message)
            return None, message
    # this checkout, importable as it is (like an editable install, without building anything in the tree)
    site = next((root / "lib").glob("python3*/site-packages"))
    (site / "fitbench-checkout.pth").write_text(str(Path(__file__).resolve().parents[1]) + "\n")
    done.write_text(json.dumps({"requirements": requirements, "python": sys.version}, indent=1))
    return python, None


def _install_error(text: str) -> str:
    """The informative lines of a resolver's failure (uv's explanation, pip's ERROR lines), at most 1500 chars."""
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    # uv explains after its error line ("cause: Because ..."); pip ends with its ERROR lines
    first = next((i for i, ln in enumerate(lines) if "error" in ln.lower()), max(0, len(lines) - 10))
    return "\n".join(lines[first:])[:1500]


def one_line(error: str, limit: int = 400) -> str:
    """A resolver's multi-line explanation as one line (uv's tree characters dropped)."""
    text = " ".join(ln.strip(" ×╰─▶│").removeprefix("cause:").strip() for ln in error.splitlines()
                    if ln.strip(" ×╰─▶│").strip())
    return (text or "no resolution")[:limit]


def check_resolvable(requirements: list[str]) -> str | None:
    """None where a resolver finds versions for `requirements` (nothing installed), else its error."""
    uv = _uv()
    if uv:
        cmd = uv + ["pip", "compile", "-q", "--python-version", f"{sys.version_info.major}.{sys.version_info.minor}",
                    "-o", os.devnull, "-"]
        proc = subprocess.run(cmd, input="\n".join(requirements), capture_output=True, text=True, timeout=600)
    else:
        proc = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "-q",
                               *requirements], capture_output=True, text=True, timeout=1200)
    return None if proc.returncode == 0 else _install_error(proc.stderr or proc.stdout)


def snapshot_code(root: Path | None = None) -> Path:
    """A copy of fitbench's code (harness/, cases/) as it is now, under the cache: every step of a bisect runs
    the same code, even while the checkout is being edited (measured: a half-edited worker in the checkout
    turned one step into `crashed` during a 10-minute bisect)."""
    from harness.model import cache_dir

    if os.environ.get("FITBENCH_BISECT_CODE"):  # a folder with harness/ and cases/ to run instead (e.g. a release)
        return Path(os.environ["FITBENCH_BISECT_CODE"]).resolve()
    root = root or Path(__file__).resolve().parents[1]
    dest = Path(tempfile.mkdtemp(prefix="code-", dir=_mkdir(cache_dir() / "bisect-code")))
    for package in ("harness", "cases"):
        shutil.copytree(root / package, dest / package, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def subprocess_run_variant(python: Path, case_variant: str, device: str, out: Path,
                           code: Path | None = None) -> dict[str, Any]:
    """One record from `<python> -m harness run --json`: the ordinary runner, inside the bisected environment,
    on `code` (a snapshot_code() folder; default: the checkout, through the environment's .pth file)."""
    child_env = dict(os.environ)
    # this process's harness set it for *its* TF; the environment's own harness decides for its TF
    child_env.pop("TF_USE_LEGACY_KERAS", None)
    where = code or Path(__file__).resolve().parents[1]
    if code:  # `-m` puts the working directory first on sys.path; PYTHONPATH reaches the worker processes too
        child_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code), child_env.get("PYTHONPATH", "")]))
    out.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([str(python), "-m", "harness", "run", "--json", "--cases", case_variant,
                           "--device", device, "--out", str(out)], capture_output=True, text=True,
                          timeout=RUN_TIMEOUT_S, env=child_env, cwd=str(where))
    records = [json.loads(ln) for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if not records:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"observed": symptoms.CRASHED, "outcome": "crashed", "metrics": {},
                "error": {"type": "crashed", "message": f"fitbench exited {proc.returncode}: {tail}"}}
    return records[-1]


def pypi_release_notes(package: str) -> str | None:
    """A release-notes URL pattern with {version}, from PyPI's project_urls (GitHub repositories: releases/tag)."""
    import urllib.request

    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{package}/json", timeout=20) as resp:
            info = json.load(resp)["info"]
    except Exception:
        return None
    urls = list((info.get("project_urls") or {}).values()) + [info.get("home_page") or ""]
    for url in urls:
        m = re.match(r"https?://github\.com/([^/]+/[^/#?]+)", url or "")
        if m:
            return f"https://github.com/{m.group(1).removesuffix('.git')}/releases/tag/v{{version}}"
    return None


# --- search ---------------------------------------------------------------------------------------------------

def _version_key(v: str) -> tuple:
    from packaging.version import Version

    return (Version(v),)


def _is_final(v: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return not Version(v).is_prerelease
    except InvalidVersion:
        return False


def candidates(available: list[str], good: str, bad: str, package: str = "") -> list[str]:
    """Final releases from --good to --bad inclusive, ordered from --good towards --bad (either may be older)."""
    for name, v in (("--good", good), ("--bad", bad)):
        if v not in available:
            near = ", ".join(sorted(available, key=_version_key)[-3:])
            raise BisectError(f"{name} {v}: no such release of {package or 'the package'} (newest: {near})")
    lo, hi = sorted((good, bad), key=_version_key)
    inside = [v for v in available if _is_final(v) or v in (good, bad)]
    inside = sorted({v for v in inside if _version_key(lo) <= _version_key(v) <= _version_key(hi)}, key=_version_key)
    return inside if _version_key(good) < _version_key(bad) else inside[::-1]


def requirements_for(cfg: BisectConfig, version: str, light: list[str]) -> list[str]:
    """The bisected package at `version`, the pins, fitbench's light dependencies, the default pins not overridden."""
    pinned = {_req_name(p) for p in cfg.pins}
    defaults = [p for p in DEFAULT_PINS if _req_name(p) not in pinned]
    others = [r for r in light if _req_name(r) not in pinned and _req_name(r) != _req_name(cfg.package)]
    return [f"{cfg.package}=={version}", *cfg.pins, *defaults, *others]


def _metric(record: dict[str, Any], name: str | None) -> float | None:
    value = (record.get("metrics") or {}).get(name) if name else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def behaviour(step: Step) -> str:
    """What a step did, as compared: the symptom, and for a failure also the exception's type — `error` from
    an import that fails and `error` from a missing Keras function are different behaviours."""
    error = (step.record or {}).get("error") or {}
    if step.observed in (symptoms.ERROR, symptoms.UNSUPPORTED, symptoms.DATA_ERROR) and error.get("type"):
        return f"{step.observed} ({error['type']})"
    return step.observed


def differs(ref: list[Step], step: Step, metric: str | None) -> bool:
    """A step differs from the reference (--good's runs) when its behaviour does, or its metric moved beyond
    compare's noise threshold (max(5 %, k × MAD/median) with repeats, the floor without)."""
    if behaviour(step) != behaviour(ref[0]):
        return True
    base = [s.metric for s in ref if s.metric is not None]
    if not metric or not base or step.metric is None:
        return False
    floor = TIMING_FLOOR_UNMEASURED if metric.endswith(TIMING) else FLOOR
    threshold, _ = noise_threshold(base, [step.metric], floor=floor)
    import statistics

    b = statistics.median(base)
    rel = abs(step.metric - b) / abs(b) if b else (0.0 if step.metric == b else float("inf"))
    return rel > threshold


class Bisector:
    def __init__(self, cfg: BisectConfig, list_versions: Callable[[str], list[str]] = pip_list_versions,
                 build_env: Callable[[list[str]], tuple[Path | None, str | None]] = uv_build_env,
                 run_variant: Callable[[Path, str, str, Path], dict[str, Any]] = subprocess_run_variant,
                 resolvable: Callable[[list[str]], str | None] | None = check_resolvable,
                 release_notes: Callable[[str], str | None] | None = pypi_release_notes,
                 light: list[str] | None = None, log: Callable[[str], None] = lambda s: None):
        self.cfg, self.build_env, self.run_variant, self.log = cfg, build_env, run_variant, log
        self._list_versions, self._resolvable, self._release_notes = list_versions, resolvable, release_notes
        if light is None:
            from harness.env import light_requirements

            light = light_requirements()
        self.light = light
        self.stamp = time.strftime("%Y%m%d-%H%M%S")

    def validate(self) -> list[str]:
        """Everything that can be checked before anything is built: raises BisectError; returns the candidates."""
        import cases

        case_id, _, variant = self.cfg.case_variant.partition(":")
        try:
            cases.get(case_id).variant(variant)
        except KeyError as exc:
            raise BisectError(f"--case: {str(exc).strip(chr(39) + chr(34))}") from None
        versions = candidates(self._list_versions(self.cfg.package), self.cfg.good, self.cfg.bad, self.cfg.package)
        if self._resolvable:
            for end in (self.cfg.good, self.cfg.bad):
                error = self._resolvable(requirements_for(self.cfg, end, self.light))
                if error:
                    raise BisectError(f"{self.cfg.package}=={end} with {' '.join(self.cfg.pins) or 'no pins'} "
                                      f"cannot be installed: {one_line(error)}")
        return versions

    def evaluate(self, version: str, phase: str = "search") -> Step:
        start = time.perf_counter()
        python, error = self.build_env(requirements_for(self.cfg, version, self.light))
        if python is None:
            step = Step(version, "unsupported", symptoms.UNSUPPORTED, install_error=error, phase=phase,
                        seconds=time.perf_counter() - start)
        else:
            case_id, _, variant = self.cfg.case_variant.partition(":")
            # each run's own results file stays in the cache; the records end up together in --out's .jsonl
            from harness.model import cache_dir

            out = cache_dir() / "bisect-runs" / f"{self.stamp}-{self.cfg.package}{version}-{case_id}-{variant}.jsonl"
            record = self.run_variant(python, self.cfg.case_variant, self.cfg.device, out)
            step = Step(version, "ran", record.get("observed", symptoms.CRASHED), _metric(record, self.cfg.metric),
                        record=record, phase=phase, seconds=time.perf_counter() - start)
        self.log(_step_line(step, self.cfg.metric))
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
        if good.status != "ran" or bad.status != "ran":
            end = versions[0] if good.status != "ran" else versions[-1]
            result.verdict = f"{self.cfg.package} {end} did not install: nothing to compare"
            return result
        ref = [good]
        if not differs(ref, bad, self.cfg.metric):
            result.verdict = (f"no change: {versions[-1]} behaves like {versions[0]} ({behaviour(good)}); the "
                              f"{len(versions) - 2} releases in between were not run (a change and its revert "
                              f"would hide there)")
            return result
        lo, hi = 0, len(versions) - 1   # invariant: lo behaves like --good, hi differs
        while hi - lo > 1:
            mid = self._next_supported(lo, hi, at)
            if mid is None:
                break  # everything between lo and hi failed to install: the boundary is somewhere in there
            if differs(ref, at(mid), self.cfg.metric):
                hi = mid
            else:
                lo = mid
        result.last_same, result.first_changed = versions[lo], versions[hi]
        skipped = [versions[i] for i in range(lo + 1, hi)]
        result.confirmed = self._confirm(ref, versions[lo], versions[hi], result)
        result.verdict = self._verdict(result, steps[lo], steps[hi], skipped)
        if self._release_notes:
            result.release_notes = self._release_notes(self.cfg.package)
        return result

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
        """Rerun both sides: the last good-like release must again behave like --good, the first changed again
        differ. The reruns join the reference, so the metric's noise threshold is measured, not the floor."""
        same, changed = self.evaluate(last_same, "confirm"), self.evaluate(first_changed, "confirm")
        result.steps += [same, changed]
        if same.status != "ran" or changed.status != "ran":
            return False
        first_same = next(s for s in result.steps if s.version == last_same and s.phase != "confirm")
        ref2 = ref + ([first_same] if first_same is not ref[0] else []) + [same]
        return not differs(ref2, same, self.cfg.metric) and differs(ref2, changed, self.cfg.metric)

    def _verdict(self, result: BisectResult, lo: Step, hi: Step, skipped: list[str]) -> str:
        p = self.cfg.package
        what = f"{behaviour(lo)} → {behaviour(hi)}" if behaviour(lo) != behaviour(hi) else \
            f"{self.cfg.metric} {lo.metric:.4g} → {hi.metric:.4g} (symptom {lo.observed} on both sides)"
        text = f"changed between {p} {lo.version} and {hi.version}: {what}"
        if skipped:
            text += f"; {len(skipped)} release(s) in between did not install ({', '.join(skipped)})"
        return text + ("; confirmed by rerunning both sides" if result.confirmed else "; NOT confirmed on rerun")


# --- output ---------------------------------------------------------------------------------------------------

def error_text(error: dict[str, Any] | None, limit: int = 300) -> str:
    """'Type: the line that explains it': records.informative_line, and for TF's "in user code:" (whose
    explanation is the indented last line, under the traceback) that last line."""
    from harness.records import informative_line

    if not error:
        return ""
    line = informative_line(error)
    if not line or line.endswith(":"):
        tail = [ln.strip() for ln in str(error.get("message", "")).splitlines() if ln.strip()]
        line = tail[-1] if tail else line
    text = line if line.startswith(f"{error.get('type')}:") else f"{error.get('type')}: {line}"
    # the end of a long line is what names the cause ("No module named ...", "... has no attribute ...")
    return text if len(text) <= limit else f"{text[:limit // 3]} … {text[-(limit - limit // 3 - 3):]}"


def _step_line(step: Step, metric: str | None) -> str:
    value = f"  {metric}={step.metric:.4g}" if metric and step.metric is not None else ""
    note = ""
    if step.status != "ran":
        note = "  install failed: " + (step.install_error or "").strip().splitlines()[0][:160] if step.install_error \
            else "  install failed"
    elif step.record and step.record.get("error"):
        note = f"  ({error_text(step.record['error'], 160)})"
    return f"  [{step.phase:8}] {step.version:<10} {step.observed:<12}{value}{note}  ({step.seconds:.0f} s)"


def _record_lines(step: Step) -> list[str]:
    r = step.record or {}
    env = r.get("env") or {}
    v = env.get("versions") or {}
    keras = (env.get("keras") or {}).get("driven")
    lines = [f"    observed {r.get('observed')} (chapter: {r.get('claim')}), outcome {r.get('outcome')}",
             "    env: " + " · ".join(f"{k} {v[k]}" for k in ("tensorflow", "tf-keras", "keras", "transformers",
                                                            "datasets", "tokenizers", "numpy") if v.get(k))
             + (f" · drives {keras}" if keras else "")]
    m = r.get("metrics") or {}
    nums = ", ".join(f"{k} {m[k]:.4g}" for k in ("initial_loss", "final_loss", "val_accuracy", "steps_to_threshold")
                     if isinstance(m.get(k), (int, float)) and not isinstance(m.get(k), bool))
    if nums:
        lines.append(f"    {nums}")
    if r.get("error"):
        lines.append(f"    error: {error_text(r['error'])}")
    if step.install_error:
        lines.append("    install: " + step.install_error.replace("\n", "\n             ")[:800])
    return lines


def render(result: BisectResult) -> str:
    cfg = result.config
    lines = [f"fitbench bisect {cfg.package} --good {cfg.good} --bad {cfg.bad} --case {cfg.case_variant}"
             + "".join(f" --pin {p}" for p in cfg.pins),
             f"{len(result.versions)} releases from {result.versions[0]} to {result.versions[-1]}; "
             f"{len({s.version for s in result.steps})} built and run, {len(result.steps)} runs "
             f"({sum(s.seconds for s in result.steps) / 60:.1f} min)", "steps:"]
    lines += [_step_line(s, cfg.metric) for s in result.steps]
    lines.append(f"result: {result.verdict}")
    for version in (result.last_same, result.first_changed):
        if version is None:
            continue
        step = [s for s in result.steps if s.version == version][-1]
        lines.append(f"  {cfg.package} {version}:")
        lines += _record_lines(step)
        if result.release_notes:
            lines.append(f"    release notes: {result.release_notes.format(version=version)}")
    return "\n".join(lines)


def write_outputs(result: BisectResult, text: str) -> list[Path]:
    """<out>/<package>-<good>-<bad>-<case>-<variant>.txt (what was printed), .json (the steps) and .jsonl (every
    run's record, readable by `fitbench report` / `compare`)."""
    cfg = result.config
    case_id, _, variant = cfg.case_variant.partition(":")
    stem = cfg.out_dir / f"{cfg.package}-{cfg.good}-{cfg.bad}-{case_id}-{variant}"
    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    paths = [Path(f"{stem}{suffix}") for suffix in (".txt", ".json", ".jsonl")]  # versions have dots: no with_suffix
    paths[0].write_text(text + "\n")
    paths[1].write_text(json.dumps(result.to_dict(), indent=1, default=str) + "\n")
    with paths[2].open("w") as f:
        for step in result.steps:
            if step.record and "case" in step.record:
                f.write(json.dumps(step.record, sort_keys=True) + "\n")
    return paths


def add_arguments(parser) -> None:
    parser.add_argument("package", help="the library to bisect, e.g. transformers")
    parser.add_argument("--good", required=True, help="the release whose behaviour is the reference")
    parser.add_argument("--bad", required=True, help="a release that behaves differently")
    parser.add_argument("--case", required=True, dest="case_variant", help="CASE:VARIANT to run")
    parser.add_argument("--pin", action="append", default=[], help="pkg==ver held in every environment (repeatable)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "gpu"))
    parser.add_argument("--metric", default="final_loss",
                        help="a metric whose move beyond the noise threshold also counts as a change ('none': off)")
    parser.add_argument("--out", default="results/bisect", help="folder for the printed output and the records")


def command(args, **fakes: Any) -> int:
    """`fitbench bisect`: BisectError (bad input) propagates for the CLI's one line + exit 2."""
    cfg = BisectConfig(args.package, args.good, args.bad, args.case_variant, tuple(args.pin), args.device,
                       None if args.metric == "none" else args.metric, Path(args.out))
    bisector = Bisector(cfg, log=lambda line: print(line, file=sys.stderr, flush=True), **fakes)
    versions = bisector.validate()  # bad input ends here, before anything is copied, built or run
    if "run_variant" not in fakes:
        import functools

        bisector.run_variant = functools.partial(subprocess_run_variant, code=snapshot_code())
    print(f"fitbench bisect: {len(versions)} releases of {cfg.package} from {versions[0]} to {versions[-1]}",
          file=sys.stderr, flush=True)
    result = bisector.run(versions)
    text = render(result)
    print(text)
    for path in write_outputs(result, text):
        print(f"written: {path}")
    return 0 if result.first_changed and result.confirmed else 1
