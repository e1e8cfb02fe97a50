"""`--device auto`: the GPU where NVML sees one *and* the installed TensorFlow can use it, else the CPU.

A plain `pip install -e .` on a GPU machine gives TensorFlow without its CUDA libraries: NVML sees the card, and
every variant would then fail on it, one error record each. Whether TensorFlow can use a GPU is decided here
without importing it (that would take GPU memory in the parent, and seconds): its build info (a CUDA build or not,
which CUDA) is a file in the package, and the CUDA libraries it loads are either pip packages (the `and-cuda`
extra) or libraries the system's loader finds. Where they are missing, `auto` falls back to the CPU and says so
once, with what to install; the records and the table say it too (harness/commands/run.py).
"""
from __future__ import annotations

import ast
import ctypes.util
import importlib.util
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

from harness.env.describe import gpus

# the libraries TensorFlow must load to register a GPU, and the pip package of each (CUDA major appended)
CUDA_LIBRARIES = {"cudart": "nvidia-cuda-runtime", "cublas": "nvidia-cublas", "cudnn": "nvidia-cudnn",
                  "cufft": "nvidia-cufft", "cusparse": "nvidia-cusparse", "cusolver": "nvidia-cusolver"}
INSTALL_HINT = "pip install -e '.[gpu]' (TensorFlow with its CUDA libraries)"


def tf_build_info() -> dict[str, Any] | None:
    """TensorFlow's build info (tensorflow/python/platform/build_info.py), read as a file; None where TensorFlow
    is not installed or the file is not the literal it has always been."""
    spec = importlib.util.find_spec("tensorflow")  # finds the package without running it
    for base in (spec.submodule_search_locations or []) if spec else []:
        path = Path(base) / "python" / "platform" / "build_info.py"
        if not path.is_file():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "build_info" for t in node.targets):
                value = node.value.args[0] if isinstance(node.value, ast.Call) and node.value.args else node.value
                try:
                    return dict(ast.literal_eval(value))
                except (ValueError, TypeError):
                    return None
    return None


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
        return True
    except metadata.PackageNotFoundError:
        return False


def tensorflow_gpu_problem(info: dict[str, Any] | None = None, installed: Callable[[str], bool] = _installed,
                           find_library: Callable[[str], str | None] = ctypes.util.find_library) -> str | None:
    """Why the installed TensorFlow cannot use a GPU, in a few words; None where it can (or where that cannot be
    told without running it: then TensorFlow decides)."""
    info = tf_build_info() if info is None else info
    if not info:
        return None
    try:
        version = metadata.version("tensorflow")
    except metadata.PackageNotFoundError:
        version = "?"
    if not info.get("is_cuda_build"):
        return f"the installed TensorFlow {version} is built without CUDA"
    major = str(info.get("cuda_version") or "12").split(".")[0]
    missing = [lib for lib, package in CUDA_LIBRARIES.items()
               if not installed(f"{package}-cu{major}") and not find_library(lib)]
    if missing:
        return f"the installed TensorFlow {version} finds no CUDA {major} libraries ({', '.join(missing)})"
    return None


def choose_device(device: str, nvml: Any = None,
                  problem: Callable[[], str | None] | None = None) -> tuple[str, str]:
    """(the device to run on, "" or the one line saying why `auto` fell back to the CPU although a GPU is there).
    `nvml` and `problem` replace NVML and the TensorFlow check (tests)."""
    if device != "auto":
        return device, ""
    found = gpus(nvml)
    if not found:
        return "cpu", ""
    why = (problem or tensorflow_gpu_problem)()
    if not why:
        return "gpu", ""
    return "cpu", f"NVML sees {found[0].get('name', 'a GPU')}, but {why}: running on CPU. For the GPU: {INSTALL_HINT}"
