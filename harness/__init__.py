"""fitbench's harness. Its folders are its concepts, in the order data flows through them:

    spec/      what a case can say (Case, Variant, RunConfig, symptoms): plain data, no TensorFlow
    launch/    one isolated process per variant: runner, launchers (zygote fork server, fresh interpreter), worker
    train/     the chapter's pipeline and what a run measures: the only modules that import TensorFlow
    results/   typed records, the metric registry, grouping, error lines
    verdict/   what two sets of records say changed, and whether it counts (behaviour, coverage, performance)
    report/    the HTML / Markdown report (one module per section) and the terminal table
    releases/  across library releases: bisect, the nightly's newest releases
    env/       environments: what is installed, and building others (requirements, index, companion packages)
    commands/  the `fitbench` command, one module per subcommand

Importing the package sets TF_USE_LEGACY_KERAS=1 before TensorFlow is imported anywhere, because
transformers' TF models need tf-keras (Keras 2); with Keras 3 alone they do not load. Not on TF <= 2.15
without tf-keras: there `tf.keras` is Keras 2 already, and TF 2.15 honours the variable by importing tf_keras
(measured: "Keras cannot be imported. Check that it is installed." with TF 2.15.1 and no tf-keras).
"""
import os
from importlib import metadata
from pathlib import Path

from harness import settings  # every FITBENCH_* variable, declared once


def cache_dir() -> Path:
    """Where fitbench keeps what outlives a run: tokenizers, checkpoints, environments, compilation caches."""
    return Path(settings.get("FITBENCH_CACHE"))


def _wants_legacy_keras() -> bool:
    """True unless this is TF <= 2.15 without the tf-keras package (decided from metadata: no TF import)."""
    try:
        metadata.version("tf-keras")
        return True
    except metadata.PackageNotFoundError:
        pass
    try:
        major, minor = (int(x) for x in metadata.version("tensorflow").split(".")[:2])
    except (metadata.PackageNotFoundError, ValueError):
        return True
    # TF >= 2.16 without tf-keras keeps the variable, so the run fails with TF's own message (recorded unsupported)
    return (major, minor) >= (2, 16)


# a variant that must run without one of these (its spec's env says None) names it in FITBENCH_UNSET
_UNSET = set(filter(None, settings.get("FITBENCH_UNSET").split(",")))


def _default(name: str, value: str) -> None:
    if name not in _UNSET:
        os.environ.setdefault(name, value)


if _wants_legacy_keras():
    _default("TF_USE_LEGACY_KERAS", "1")
_default("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TF's C++ start-up chatter out of the table
# TF 2.21's wheel has no sm_90 machine code: Hopper GPUs JIT-compile its kernels from PTX. The driver's JIT cache
# keeps them across processes only if it is large enough (default 256 MiB on older drivers) and persistent, so
# every worker shares one under fitbench's cache directory.
_default("CUDA_CACHE_PATH", str(cache_dir() / "cuda-jit"))
_default("CUDA_CACHE_MAXSIZE", str(4 * 1024 ** 3))  # the driver's maximum

__version__ = "0.1.0"
