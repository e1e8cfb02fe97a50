"""The one builder: every environment fitbench makes or fills is made here, with uv where it is installed and with
venv + pip elsewhere. Nothing else in fitbench creates a virtual environment or runs an installer
(tests/harness/env/test_one_builder.py fails when something does).

* `build_env(requirements, bound)`: a cached virtual environment per requirement set and date bound, under
  `<fitbench cache>/envs/<hash>/`, with this checkout on its sys.path; a set that failed to install is remembered
  there too (with the installer's explanation), so it is not retried.
* `install_into(python, requirements, bound)`: the same resolution into an interpreter someone else made (the
  environment asv built: harness/env/asv.py).
* `check_resolvable(requirements, bound)`: whether a resolver finds versions at all, nothing installed.

A date bound (harness/env/asof.py) becomes uv's `--exclude-newer` / `--exclude-newer-package`, or pip's
`--uploaded-prior-to` where pip is all there is and knows it.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from harness import cache_dir, settings
from harness.env.asof import DateBound, stamp

INSTALL_TIMEOUT_S = 1800
RECORD = "fitbench-env.json"   # beside an environment's interpreter: what it was built from, and as of when


@dataclass(frozen=True)
class Installer:
    """uv (`uv` is its command line) or, where uv is missing, the target interpreter's own pip (`uv` is None)."""
    uv: tuple[str, ...] | None

    def create(self, root: Path) -> list[str]:
        return [*self.uv, "venv", "-q", "-p", sys.executable, str(root)] if self.uv else \
            [sys.executable, "-m", "venv", str(root)]

    def install(self, python: Path, bound: DateBound | None) -> list[str]:
        base = [*self.uv, "pip", "install", "-q", "-p", str(python)] if self.uv else \
            [str(python), "-m", "pip", "install", "-q"]
        return base + self.bound_flags(bound)

    def compile(self, bound: DateBound | None) -> list[str]:
        """A resolution without an install; the requirements follow (uv: on stdin, pip: as arguments)."""
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        if self.uv:
            return [*self.uv, "pip", "compile", "-q", "--python-version", version, "-o", os.devnull, "-",
                    *self.bound_flags(bound)]
        return [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "-q",
                *self.bound_flags(self.applies(bound, Path(sys.executable)))]

    def per_package(self) -> bool:
        """Whether a bound may hold per-package exceptions (uv's --exclude-newer-package; pip has none)."""
        return bool(self.uv) and "--exclude-newer-package" in _help((*self.uv, "pip", "install", "--help"))

    def bound_flags(self, bound: DateBound | None) -> list[str]:
        if bound is None:
            return []
        if self.uv:
            return ["--exclude-newer", stamp(bound.as_of)] + [
                arg for name, when in sorted(bound.per_package.items())
                for arg in ("--exclude-newer-package", f"{name}={stamp(when)}")]
        return ["--uploaded-prior-to", stamp(bound.as_of)]

    def applies(self, bound: DateBound | None, python: Path) -> DateBound | None:
        """The bound this installer will really apply: a pip that has no --uploaded-prior-to applies none."""
        if bound is None or self.uv:
            return bound
        return bound if "--uploaded-prior-to" in _help((str(python), "-m", "pip", "install", "--help")) else None


@functools.lru_cache(maxsize=None)
def _help(cmd: tuple[str, ...]) -> str:
    try:
        return subprocess.run(list(cmd), capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def installer() -> Installer:
    """uv: $FITBENCH_UV, on PATH, or the `uv` package of this interpreter; else venv + pip."""
    exe = settings.get("FITBENCH_UV") or shutil.which("uv")
    if not exe:
        try:
            import uv  # type: ignore[import-not-found]

            exe = uv.find_uv_bin()
        except Exception:
            return Installer(None)
    return Installer((exe,))


def env_dir(requirements: list[str], bound: DateBound | None = None) -> Path:
    parts = sorted(requirements) + [sys.version] + ([f"as of {bound.key()}"] if bound else [])
    return cache_dir() / "envs" / hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _run(cmd: list[str], stdin: str | None = None, timeout: float = INSTALL_TIMEOUT_S) -> str | None:
    """None where `cmd` succeeded, else the informative lines of what it said."""
    try:
        proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"error: {' '.join(cmd[:4])} … did not finish within {timeout:.0f} s"
    return None if proc.returncode == 0 else install_error(proc.stderr or proc.stdout)


def read_record(prefix: Path) -> dict:
    """What an environment's RECORD says ({} where it has none: the current interpreter, an old build)."""
    try:
        return json.loads((prefix / RECORD).read_text())
    except (OSError, ValueError):
        return {}


def write_record(prefix: Path, requirements: list[str], bound: DateBound | None) -> None:
    """The environment's own statement of how it was resolved: the worker's record reads it (describe.py)."""
    note = {"requirements": requirements, "python": sys.version,
            "resolved_as_of": bound.describe() if bound else None}
    (prefix / RECORD).write_text(json.dumps(note, indent=1) + "\n")


def build_env(requirements: list[str], bound: DateBound | None = None) -> tuple[Path | None, str | None]:
    """(python of a cached environment with `requirements` resolved under `bound` and this checkout on sys.path,
    None) or (None, the installer's error). Failures are cached too, so a rerun does not retry them."""
    root = env_dir(requirements, bound)
    python = root / "bin" / "python"
    done, failed = root / RECORD, root / "fitbench-env-failed.txt"
    if done.exists():
        return python, None
    if failed.exists():
        return None, failed.read_text()
    shutil.rmtree(root, ignore_errors=True)
    tool = installer()
    error = _run(tool.create(root)) or _run(tool.install(python, tool.applies(bound, python)) + requirements)
    if error:
        root.mkdir(parents=True, exist_ok=True)
        failed.write_text(error)
        return None, error
    # this checkout, importable as it is (like an editable install, without building anything in the tree)
    site = next((root / "lib").glob("python3*/site-packages"))
    (site / "fitbench-checkout.pth").write_text(str(Path(__file__).resolve().parents[2]) + "\n")
    write_record(root, requirements, tool.applies(bound, python))
    return python, None


def install_into(python: Path, requirements: list[str], bound: DateBound | None = None,
                 constraints: tuple[str, ...] = ()) -> str | None:
    """Install `requirements` (under `bound`, within `constraints`) into the environment of `python`, which
    someone else made and filled (asv); None when done, else the installer's error. Resolved first, then the
    exact versions installed: an installer keeps what is there when it satisfies a name, so a dependency asv's
    pip put in from today's index would stay past the bound. The note goes beside it (sys.prefix of `python`)."""
    import tempfile

    tool = installer()
    applied = tool.applies(bound, python)
    with tempfile.TemporaryDirectory(prefix="fitbench-install-") as tmp:
        held = Path(tmp) / "held.txt"
        held.write_text("\n".join(constraints) + "\n")
        within = ["-c", str(held)] if constraints else []
        exact, error = _lock(tool, python, requirements, applied, within, Path(tmp))
        if error is None:
            cmd = tool.install(python, None) + ["--no-deps", *exact]
            print("fitbench-env:", " ".join(cmd[:8]), f"… {len(exact)} exact versions", file=sys.stderr, flush=True)
            error = _run(cmd)
    if error is None:
        prefix = subprocess.run([str(python), "-c", "import sys; print(sys.prefix)"], capture_output=True,
                                text=True, timeout=60).stdout.strip()
        if prefix:
            write_record(Path(prefix), list(requirements), applied)
    return error


def _lock(tool: Installer, python: Path, requirements: list[str], bound: DateBound | None, within: list[str],
          tmp: Path) -> tuple[list[str], str | None]:
    """(the resolution of `requirements` for `python` as exact `name==version` pins, None) or ([], the error):
    uv's `pip compile`, or pip's `install --dry-run --report` where uv is missing."""
    if tool.uv:
        lock = tmp / "lock.txt"
        cmd = [*tool.uv, "pip", "compile", "-q", "-p", str(python), "-o", str(lock), "-", *tool.bound_flags(bound),
               *within]
        print("fitbench-env:", " ".join(cmd), "<", " ".join(requirements), file=sys.stderr, flush=True)
        error = _run(cmd, stdin="\n".join(requirements))
        pins = [ln.split()[0] for ln in (lock.read_text().splitlines() if lock.exists() else [])
                if "==" in ln and not ln.startswith(("#", " ", "-"))]
        return (pins, None) if error is None else ([], error)
    report = tmp / "report.json"
    error = _run([str(python), "-m", "pip", "install", "--dry-run", "--ignore-installed", "-q", "--report",
                  str(report), *tool.bound_flags(bound), *within, *requirements])
    if error is not None:
        return [], error
    chosen = json.loads(report.read_text()).get("install") or []
    return [f"{c['metadata']['name']}=={c['metadata']['version']}" for c in chosen], None


def check_resolvable(requirements: list[str], bound: DateBound | None = None) -> str | None:
    """None where a resolver finds versions for `requirements` under `bound` (nothing installed), else its error."""
    tool = installer()
    if tool.uv:
        return _run(tool.compile(bound), stdin="\n".join(requirements), timeout=1200)
    return _run(tool.compile(bound) + list(requirements), timeout=1200)


def install_error(text: str) -> str:
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
