"""The compilation caches a variant's processes share across the suite, and how much each variant added.

CUDA's JIT cache (`CUDA_CACHE_PATH`: kernels compiled from PTX, e.g. TF 2.21's on Hopper, which its wheel
ships as PTX only) and XLA's persistent cache (`--tf_xla_persistent_cache_directory`: programs XLA compiled,
e.g. tf-keras's Adam update, once per weight on a GPU). A variant that found its compilations there starts
faster; one that added many paid for them. Sizes are read before and after each variant; with `--jobs` > 1 a
neighbour's additions fall into the same window.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from harness import cache_dir


def folders() -> dict[str, Path]:
    """{name: folder} of the caches this process's workers use (the ones that are set up)."""
    out = {}
    if os.environ.get("CUDA_CACHE_PATH"):
        out["cuda_jit"] = Path(os.environ["CUDA_CACHE_PATH"])
    match = re.search(r"--tf_xla_persistent_cache_directory=(\S+)", os.environ.get("TF_XLA_FLAGS", ""))
    out["xla"] = Path(match.group(1)) if match else cache_dir() / "xla"
    return out


def size(folder: Path) -> tuple[int, float]:
    """(files, MiB) under `folder`; (0, 0.0) where it does not exist."""
    files, total = 0, 0
    for root, _, names in os.walk(folder):
        for name in names:
            try:
                total += os.stat(os.path.join(root, name)).st_size
                files += 1
            except OSError:  # written or removed while we looked
                continue
    return files, total / 2**20


def sizes() -> dict[str, tuple[int, float]]:
    return {name: size(folder) for name, folder in folders().items()}


def change(before: dict[str, tuple[int, float]], after: dict[str, tuple[int, float]]) -> dict[str, Any]:
    """{cache: {files_before, files_after, mib_before, mib_after}} for the caches that exist now."""
    return {name: {"files_before": before.get(name, (0, 0.0))[0], "files_after": files,
                   "mib_before": round(before.get(name, (0, 0.0))[1], 2), "mib_after": round(mib, 2)}
            for name, (files, mib) in after.items() if files or before.get(name, (0, 0))[0]}
