"""The environment a record was measured in: library versions, TF's CUDA build, CPU and GPU (NVML).

Versions come from package metadata, so the parent process can describe an environment without importing
TensorFlow (which would take GPU memory); the worker (the process that really ran the variant) adds TF's own
build info and which Keras it drives: Keras 2 inside TF <= 2.15 (`tf.keras`), the tf-keras package (TF >= 2.16
with TF_USE_LEGACY_KERAS=1), or Keras 3.

It also knows fitbench's own dependency layout: `light_requirements()` are the dependencies an environment may
take from fitbench without moving its TensorFlow / tf-keras / transformers (what asv matrices and `fitbench
bisect` pin); `python -m harness.env install-light` installs them into the running interpreter's environment
while holding every pinned package at its installed version, and `install-cuda` adds TF's CUDA libraries
(`tensorflow[and-cuda]` at the installed TF version) on GPU machines.
"""
from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("tensorflow", "tf-keras", "keras", "transformers", "datasets", "evaluate", "numpy", "tokenizers")


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def gpus(nvml: Any = None) -> list[dict[str, Any]]:
    """Name, driver and memory of each GPU through NVML; [] where there is no NVML or no GPU."""
    try:
        if nvml is None:
            import pynvml as nvml
        nvml.nvmlInit()
        driver = nvml.nvmlSystemGetDriverVersion()
        out = []
        for i in range(nvml.nvmlDeviceGetCount()):
            handle = nvml.nvmlDeviceGetHandleByIndex(i)
            name = nvml.nvmlDeviceGetName(handle)
            out.append({"index": i, "name": name.decode() if isinstance(name, bytes) else name,
                        "driver": driver.decode() if isinstance(driver, bytes) else driver,
                        "memory_total_mib": nvml.nvmlDeviceGetMemoryInfo(handle).total // (1024 * 1024)})
        return out
    except Exception:  # no libnvidia-ml, no driver, or no device: a CPU machine
        return []


def device_class() -> str:
    """"gpu" where NVML sees a GPU, else "cpu"; decided without importing TensorFlow."""
    return "gpu" if gpus() else "cpu"


def tf_build_info() -> dict[str, Any]:
    import tensorflow as tf

    info = dict(tf.sysconfig.get_build_info())
    return {k: info.get(k) for k in ("cuda_version", "cudnn_version", "is_cuda_build")}


def describe(device: str, with_tf: bool = False) -> dict[str, Any]:
    env: dict[str, Any] = {"versions": versions(), "platform": platform.platform(), "cpu": cpu_model(),
                           "device": device, "gpus": gpus() if device == "gpu" else []}
    if with_tf:
        env["tf_build"] = tf_build_info()
        env["keras"] = keras_driven()
    return env


def keras_driven() -> dict[str, Any]:
    """Which Keras `tf.keras` (what fitbench and transformers' TF models build on) really is, in this process.

    Decided from the module that defines `tf.keras.layers.Dense`, not from the environment variable: TF <= 2.15
    ignores TF_USE_LEGACY_KERAS, and TF >= 2.16 honours it only where tf-keras is installed.
    """
    import tensorflow as tf

    try:
        module = tf.keras.layers.Dense.__module__
    except Exception as exc:  # TF >= 2.16 with TF_USE_LEGACY_KERAS=1 and no tf-keras: tf.keras cannot load
        return {"driven": None, "module": None, "error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    v = versions()
    if module.startswith("tf_keras"):
        driven = f"tf-keras {v.get('tf-keras')}"
    elif module.startswith("keras") and (v.get("keras") or "").startswith("2."):
        driven = f"tf.keras (keras {v.get('keras')})"
    elif module.startswith("keras"):
        driven = f"keras {v.get('keras')}"
    else:  # TF's own copy (tensorflow.python.keras), only in very old TF
        driven = f"tf.keras (tensorflow {v.get('tensorflow')})"
    return {"driven": driven, "module": module, "legacy_keras_env": os.environ.get("TF_USE_LEGACY_KERAS")}


# The packages an asv matrix or a bisect pins: installing fitbench must never move them.
PINNED_BY_MATRIX = ("tensorflow", "tensorflow-cpu", "tf-keras", "keras", "transformers")
# Dependencies whose right version follows the era of the pinned ones (tokenizers of transformers' time, numpy
# < 2 for TF <= 2.16, ...): their lower bounds in pyproject.toml are the default install's, so drop them here.
ERA_BOUND = ("tokenizers", "datasets", "huggingface-hub", "numpy", "evaluate", "pandas")
# Not needed inside an environment that only runs variants
NOT_IN_WORKER_ENVS = ("asv",)


def _req_name(req: str) -> str:
    import re

    return re.split(r"[\s\[<>=!~;(]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def project_requirements(root: Path | None = None) -> list[str]:
    """fitbench's `dependencies`, from the checkout's pyproject.toml (or the installed metadata)."""
    root = root or Path(__file__).resolve().parents[1]
    pyproject = root / "pyproject.toml"
    if pyproject.exists():
        import tomllib

        return list(tomllib.loads(pyproject.read_text())["project"]["dependencies"])
    return [r for r in (metadata.requires("fitbench") or []) if "extra ==" not in r]


def light_requirements(root: Path | None = None) -> list[str]:
    """The dependencies an environment with its own TF / tf-keras / transformers needs from fitbench."""
    out = []
    for req in project_requirements(root):
        name = _req_name(req)
        if name in PINNED_BY_MATRIX or name in NOT_IN_WORKER_ENVS:
            continue
        out.append(name if name in ERA_BOUND else req)
    return out


def asv_pins(env_dir: str | None = None) -> list[str]:
    """The `req` pins of the asv environment being built ($ASV_ENV_DIR/asv-env-info.json), as requirements;
    pins installed with flags (`==2.18.0 --no-deps`: deliberately inconsistent) are left out."""
    import json

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
    import subprocess
    import tempfile

    pins = asv_pins(env_dir)
    pinned = {_req_name(p) for p in pins}
    held = [f"{name}=={version}" for name, version in versions().items()
            if version and name != "python" and name not in pinned]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(held) + "\n")
    cmd = (pip or [sys.executable, "-m", "pip", "install"]) + ["-c", f.name] + light_requirements() + pins
    print("fitbench-env:", " ".join(cmd), file=sys.stderr)
    return subprocess.call(cmd)


def install_cuda(pip: list[str] | None = None) -> int:
    """pip-install `tensorflow[and-cuda]` at the installed TF version: the CUDA libraries of a GPU machine,
    without moving TF (asv's pin parser drops extras, so the GPU asv config runs this after install-light).
    TF 2.12 / 2.13 have no such extra: pip warns and installs nothing; they find CUDA on the system."""
    import subprocess

    tf = versions().get("tensorflow")
    if not tf:
        print("fitbench-env: no tensorflow installed: nothing to add CUDA to", file=sys.stderr)
        return 1
    cmd = (pip or [sys.executable, "-m", "pip", "install"]) + [f"tensorflow[and-cuda]=={tf}"]
    print("fitbench-env:", " ".join(cmd), file=sys.stderr)
    return subprocess.call(cmd)


def main(argv: list[str]) -> int:
    if argv[1:] == ["install-light"]:
        return install_light()
    if argv[1:] == ["install-cuda"]:
        return install_cuda()
    if argv[1:] == ["light-requirements"]:
        print("\n".join(light_requirements()))
        return 0
    print("usage: python -m harness.env install-light | install-cuda | light-requirements", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
