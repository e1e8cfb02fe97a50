"""fitbench's own dependency layout, for environments whose TensorFlow / tf-keras / transformers are pinned.

`light_requirements()` are the dependencies an environment may take from fitbench without moving its
TensorFlow / tf-keras / transformers (what asv matrices, `fitbench bisect` and the nightly pin);
`python -m harness.env install-light` installs them into the running interpreter's environment while holding
every pinned package at its installed version, and `install-cuda` adds TF's CUDA libraries
(`tensorflow[and-cuda]` at the installed TF version) on GPU machines.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from harness.env.describe import versions
from harness.env.packages import req_name

# The packages an asv matrix or a bisect pins: installing fitbench must never move them.
PINNED_BY_MATRIX = ("tensorflow", "tensorflow-cpu", "tf-keras", "keras", "transformers")
# Dependencies whose right version follows the era of the pinned ones (tokenizers of transformers' time, numpy
# < 2 for TF <= 2.16, ...): their lower bounds in pyproject.toml are the default install's, so drop them here.
ERA_BOUND = ("tokenizers", "datasets", "huggingface-hub", "numpy", "evaluate", "pandas")
# Not needed inside an environment that only runs variants
NOT_IN_WORKER_ENVS = ("asv", "uv")
# pyarrow >= 22 refuses numpy 1.x at import time (docs/asv.md), which no resolver can see; TF <= 2.16 needs
# numpy < 2. 21.x works with numpy 1.26 and 2.x. A pin of pyarrow replaces this.
DEFAULT_PINS = ("pyarrow<22",)


def project_requirements(root: Path | None = None) -> list[str]:
    """fitbench's `dependencies`, from the checkout's pyproject.toml (or the installed metadata)."""
    root = root or Path(__file__).resolve().parents[2]
    pyproject = root / "pyproject.toml"
    if pyproject.exists():
        import tomllib

        return list(tomllib.loads(pyproject.read_text())["project"]["dependencies"])
    return [r for r in (metadata.requires("fitbench") or []) if "extra ==" not in r]


def light_requirements(root: Path | None = None) -> list[str]:
    """The dependencies an environment with its own TF / tf-keras / transformers needs from fitbench."""
    out = []
    for req in project_requirements(root):
        name = req_name(req)
        if name in PINNED_BY_MATRIX or name in NOT_IN_WORKER_ENVS:
            continue
        out.append(name if name in ERA_BOUND else req)
    return out


def asv_pins(env_dir: str | None = None) -> list[str]:
    """The `req` pins of the asv environment being built ($ASV_ENV_DIR/asv-env-info.json), as requirements;
    pins installed with flags (`==2.18.0 --no-deps`: deliberately inconsistent) are left out."""
    info = Path(env_dir or os.environ.get("ASV_ENV_DIR", "")) / "asv-env-info.json"
    if not info.is_file():
        return []
    out = []
    for key, value in (json.loads(info.read_text()).get("requirements") or {}).items():
        value = str(value or "").strip()
        if not value or "--" in value:
            continue
        out.append(f"{key.removeprefix('pip+')}{value if value[0] in '<>=!~' else '==' + value}")
    return out


def install_light(pip: list[str] | None = None, env_dir: str | None = None) -> int:
    """pip-install light_requirements() into this interpreter's environment, holding every installed pinned
    package (TF, tf-keras, keras, transformers, numpy, datasets, ...) at its version through a constraints file.
    Inside an asv build the environment's own pins are requested again in the same resolution: asv installs
    them one `pip install` at a time, and a later one can move an earlier one (measured: numpy-1 environments
    ended with pandas 3.1.1, which requires numpy >= 2.0.2, and numpy 2.4.6 over their numpy pin)."""
    pins = asv_pins(env_dir)
    pinned = {req_name(p) for p in pins}
    held = [f"{name}=={version}" for name, version in versions().items()
            if version and name != "python" and name not in pinned]
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
        f.write("\n".join(held) + "\n")
        f.flush()
        cmd = (pip or [sys.executable, "-m", "pip", "install"]) + ["-c", f.name] + light_requirements() + pins
        print("fitbench-env:", " ".join(cmd), file=sys.stderr)
        return subprocess.call(cmd)


def install_cuda(pip: list[str] | None = None) -> int:
    """pip-install `tensorflow[and-cuda]` at the installed TF version: the CUDA libraries of a GPU machine,
    without moving TF (asv's pin parser drops extras, so the GPU asv config runs this after install-light).
    TF 2.12 / 2.13 have no such extra: pip warns and installs nothing; they find CUDA on the system."""
    tf = versions().get("tensorflow")
    if not tf:
        print("fitbench-env: no tensorflow installed: nothing to add CUDA to", file=sys.stderr)
        return 1
    cmd = (pip or [sys.executable, "-m", "pip", "install"]) + [f"tensorflow[and-cuda]=={tf}"]
    print("fitbench-env:", " ".join(cmd), file=sys.stderr)
    return subprocess.call(cmd)


def environment_requirements(pins: list[str], light: list[str] | None = None) -> list[str]:
    """Everything an environment built for `pins` (e.g. ["tensorflow==2.16.1", "tf-keras==2.16.0"]) installs:
    the pins, the default pins they do not override, and fitbench's light dependencies. The nightly, bisect and
    a re-measured side (harness/verdict/sides.py) build their environments from this."""
    pinned = {req_name(p) for p in pins}
    defaults = [p for p in DEFAULT_PINS if req_name(p) not in pinned]
    others = [r for r in (light_requirements() if light is None else light) if req_name(r) not in pinned]
    return [*pins, *defaults, *others]
