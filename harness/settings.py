"""Every FITBENCH_* environment variable fitbench reads, in one place: its name, who sets it, its default and what
it does. Modules read them through `get()` at the moment they need them — never at import, so a test or a caller
that sets one later is heard. docs/settings.md is this table, and tests/test_settings.py keeps the two and the
code in step (a FITBENCH_ name used anywhere in harness/ or benchmarks/benchmarks.py must be declared here).

Standard library only: asv's benchmark discovery and the worker import it before anything else.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

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
    Variable("FITBENCH_UNSET", FITBENCH, "", "the variables a variant must run without (its spec's env says None), "
             "so importing harness leaves them unset"),
    Variable("FITBENCH_LIFELINE_FD", FITBENCH, "", "the pipe a worker watches to die with its runner"),
    Variable("FITBENCH_RESOLVED_AS_OF", FITBENCH, "", "the date an environment's packages were resolved as of, "
             "kept in its records"),
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
