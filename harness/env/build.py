"""Building an environment with given requirements: a cached virtual environment per requirement set, made with
uv where it is installed and with venv + pip elsewhere; and asking a resolver whether a set installs at all.

Shared by `fitbench bisect`, the nightly's newest releases and anything else that runs fitbench under other
library versions. An environment lives under `<fitbench cache>/envs/<hash of the requirements>/`; a set that
failed to install is remembered there too (with the installer's explanation), so it is not retried.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from harness import cache_dir

INSTALL_TIMEOUT_S = 1800


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
    key = hashlib.sha256("\n".join(sorted(requirements) + [sys.version]).encode()).hexdigest()[:16]
    return cache_dir() / "envs" / key


def build_env(requirements: list[str]) -> tuple[Path | None, str | None]:
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
            message = install_error(proc.stderr or proc.stdout)
            root.mkdir(parents=True, exist_ok=True)
            failed.write_text(message)
            return None, message
    # this checkout, importable as it is (like an editable install, without building anything in the tree)
    site = next((root / "lib").glob("python3*/site-packages"))
    (site / "fitbench-checkout.pth").write_text(str(Path(__file__).resolve().parents[2]) + "\n")
    done.write_text(json.dumps({"requirements": requirements, "python": sys.version}, indent=1))
    return python, None


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
    return None if proc.returncode == 0 else install_error(proc.stderr or proc.stdout)
