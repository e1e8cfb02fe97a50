"""The environment a record was measured in: library versions, CPU and GPU (NVML), and the date its dependencies
were resolved as of.

Versions come from package metadata, so the parent process can describe an environment without importing
TensorFlow (which would take GPU memory); the worker (the process that really ran the variant) adds TF's own
build info and which Keras it drives (harness.train.device). The date bound (harness/env/asof.py) comes from the
variable the environment's parent sets (FITBENCH_RESOLVED_AS_OF, harness/env/environment.py) or, where the
suite was started by someone else (asv's setup_cache), from the environment's own note beside its interpreter.
"""
from __future__ import annotations

import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from harness import settings
from harness.env.code import code_identity
from harness.env.conditions import run_conditions

PACKAGES = ("tensorflow", "tf-keras", "keras", "transformers", "datasets", "evaluate", "numpy", "tokenizers")
# the date bound an environment was resolved under, as its parent tells the suite (JSON of DateBound.describe)
RESOLVED_AS_OF = "FITBENCH_RESOLVED_AS_OF"


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


def describe(device: str) -> dict[str, Any]:
    """This process's environment as a record's `env`; the worker adds what only TensorFlow can tell
    (harness.train.device.describe_tf: its CUDA build, which Keras it drives)."""
    out = {"versions": versions(), "platform": platform.platform(), "cpu": cpu_model(), "device": device,
           "cpu_count": os.cpu_count(), "conditions": run_conditions(), "gpus": gpus() if device == "gpu" else []}
    if settings.get("FITBENCH_MACHINE"):  # a name for this machine where results of several are merged (CI)
        out["machine"] = settings.get("FITBENCH_MACHINE")
    out["fitbench"] = code_identity()  # which fitbench wrote it: compare says when two sides' code differs
    as_of = resolved_as_of()
    if as_of:  # only environments resolved under a date bound say one: today's index is the default
        out["resolved_as_of"] = as_of
    return out


def resolved_as_of() -> dict[str, Any] | None:
    """The date bound this interpreter's environment was resolved under ({"as_of", "set_by", "per_package"}),
    None where it was resolved against the index of its day (a developer's venv, the nightly's newest)."""
    from harness.env.build import read_record

    text = settings.get(RESOLVED_AS_OF)
    if text:
        try:
            return json.loads(text)
        except ValueError:
            return None
    # the note harness/env/build.py leaves beside an environment it built or filled
    return read_record(Path(sys.prefix)).get("resolved_as_of") or None


