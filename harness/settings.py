"""Every FITBENCH_* environment variable fitbench reads, in one place: its name, who sets it, its default and what
it does. Modules read them through `get()` at the moment they need them — never at import, so a test or a caller
that sets one later is heard. docs/settings.md is this table, and tests/test_settings.py keeps the two and the
code in step (a FITBENCH_ name used anywhere in harness/, cases/ or benchmarks/ must be declared here).

And the one place that sets other libraries' variables: `prepare_tensorflow_environment()`, called explicitly by
each process that will import TensorFlow, as it starts (the `fitbench` command, the worker and the zygote, the
tests' conftest, a script that trains in-process). Importing any harness module changes nothing in os.environ
(tests/test_settings.py imports them all in a fresh interpreter and compares).

Standard library only: asv's benchmark discovery and the worker import it before anything else.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

USER, FITBENCH, TESTS = "user", "fitbench", "tests"   # who sets it: a person, fitbench for its children, a test knob


@dataclass(frozen=True)
class Variable:
    name: str
    set_by: str
    default: str
    what: str


VARIABLES: tuple[Variable, ...] = (
    Variable("FITBENCH_CACHE", USER, "~/.cache/fitbench", "where tokenizers, checkpoints, environments and "
             "compilation caches outlive a run"),
    Variable("FITBENCH_MACHINE", USER, "", "a name for this machine, kept in each record, where results of "
             "several machines are merged (CI's matrix)"),
    Variable("FITBENCH_UV", USER, "", "the uv executable that builds environments (else uv on PATH, or venv + pip)"),
    Variable("FITBENCH_HUB_METRICS", USER, "", "1: validation accuracy from the hub's `evaluate` metric instead of "
             "the bundled copy"),
    Variable("FITBENCH_XLA_CACHE", USER, "", "1: keep XLA's compilation cache on CPU too (always on a GPU)"),
    Variable("FITBENCH_BISECT_CODE", USER, "", "a folder with harness/ and cases/ that bisects and nights run instead "
             "of a snapshot of this checkout (e.g. an older fitbench, `git archive`d)"),
    Variable("FITBENCH_NOISE_K", USER, "3", "the k of a performance suspect's threshold, max(factor, k × MAD/median)"),
    Variable("FITBENCH_ASV_CASES", USER, "", "asv: comma list of case ids to run (default: every case)"),
    Variable("FITBENCH_ASV_DEVICE", USER, "auto", "asv: --device for the run (auto, cpu or gpu)"),
    Variable("FITBENCH_ASV_ARGS", USER, "", "asv: extra arguments for `fitbench run`, split on whitespace"),
    Variable("FITBENCH_ASV_RECORDS", USER, "", "asv: a folder that also gets each environment's whole records"),
    Variable("FITBENCH_ASV_GPU", USER, "", "1: benchmarks/scripts/asv_matrix.py writes the GPU matrix "
             "(tensorflow[and-cuda] in every environment), as its --gpu does"),
    Variable("FITBENCH_ENVIRONMENT", FITBENCH, "", "the generated CI workflow's matrix entry: the one asv "
             "environment a job builds and runs (benchmarks/scripts/asv_matrix.py writes it)"),
    Variable("FITBENCH_UNSET", FITBENCH, "", "the variables a variant must run without (its spec's env says None), "
             "so `prepare_tensorflow_environment()` in its worker leaves them unset"),
    Variable("FITBENCH_LIFELINE_FD", FITBENCH, "", "the pipe a worker watches to die with its runner"),
    Variable("FITBENCH_RESOLVED_AS_OF", FITBENCH, "", "the date an environment's packages were resolved as of, "
             "kept in its records"),
    Variable("FITBENCH_PAIR_MEET", FITBENCH, "", "a confirmation round measured at once: the folder where its two "
             "sides' workers meet before the steady steps (harness/train/pairing.py)"),
    Variable("FITBENCH_INJECT_SLOWDOWN", TESTS, "", "the verdict detector's exact slowdown: a fraction of each "
             "step spent spinning (0.10, or 0.20@case:variant for one variant); kept in the record"),
)
BY_NAME: dict[str, Variable] = {v.name: v for v in VARIABLES}


def get(name: str) -> str:
    """The variable's value now, or its default; KeyError for a name not declared above (a typo is a bug)."""
    variable = BY_NAME[name]
    return os.environ.get(name) or (os.path.expanduser(variable.default) if variable.default.startswith("~")
                                    else variable.default)


def table() -> str:
    """docs/settings.md's table."""
    rows = ["| variable | set by | default | what it does |", "|---|---|---|---|"]
    rows += [f"| `{v.name}` | {v.set_by} | {f'`{v.default}`' if v.default else '–'} | {v.what} |" for v in VARIABLES]
    return "\n".join(rows)


def cache_dir() -> Path:
    """Where fitbench keeps what outlives a run: tokenizers, checkpoints, environments, compilation caches."""
    return Path(get("FITBENCH_CACHE"))


def _wants_legacy_keras() -> bool:
    """True unless this is TF <= 2.15 without the tf-keras package (decided from metadata: no TF import).

    transformers' TF models need tf-keras (Keras 2); with Keras 3 alone they do not load. Not on TF <= 2.15
    without tf-keras: there `tf.keras` is Keras 2 already, and TF 2.15 honours the variable by importing tf_keras
    (measured: "Keras cannot be imported. Check that it is installed." with TF 2.15.1 and no tf-keras)."""
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


def tensorflow_defaults() -> dict[str, str]:
    """The variables TensorFlow (and CUDA under it) read once, as they load, with fitbench's values for them."""
    out = {"TF_USE_LEGACY_KERAS": "1"} if _wants_legacy_keras() else {}
    out["TF_CPP_MIN_LOG_LEVEL"] = "2"  # keep TF's C++ start-up chatter out of the table
    # TF 2.21's wheel has no sm_90 machine code: Hopper GPUs JIT-compile its kernels from PTX. The driver's JIT
    # cache keeps them across processes only if it is large enough (default 256 MiB on older drivers) and
    # persistent, so every worker shares one under fitbench's cache directory.
    out["CUDA_CACHE_PATH"] = str(cache_dir() / "cuda-jit")
    out["CUDA_CACHE_MAXSIZE"] = str(4 * 1024 ** 3)  # the driver's maximum
    return out


def prepare_tensorflow_environment() -> dict[str, str]:
    """Set fitbench's defaults for TensorFlow's variables in os.environ, where not set already: call it once where
    a process that will import TensorFlow starts, before that import (TensorFlow reads them only then). A name in
    FITBENCH_UNSET (a variant that must run without it) is left alone. Returns what it set."""
    unset = set(filter(None, get("FITBENCH_UNSET").split(",")))
    added = {k: v for k, v in tensorflow_defaults().items() if k not in unset and k not in os.environ}
    os.environ.update(added)
    return added
