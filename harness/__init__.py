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

Importing any of it changes nothing in os.environ: a process that will import TensorFlow calls
`harness.settings.prepare_tensorflow_environment()` as it starts (TF_USE_LEGACY_KERAS and the others TensorFlow
reads only as it loads: that function says why each); every FITBENCH_* variable is read through harness/settings.py.
"""
from pathlib import Path

from harness import settings  # every FITBENCH_* variable, declared once


def cache_dir() -> Path:
    """Where fitbench keeps what outlives a run: tokenizers, checkpoints, environments, compilation caches."""
    return settings.cache_dir()


__version__ = "0.1.0"
