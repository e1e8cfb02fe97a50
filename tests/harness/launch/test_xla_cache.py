"""XLA compilations reused across processes, on CPU as a stand-in for the GPU.

On a GPU tf-keras's Adam compiles its update with XLA once per weight, in every process; the persistent cache
(harness/launch/launcher.py, measuring_env) keeps the compiled programs for the next process. Here the same
optimizer is forced to XLA on CPU (what a GPU does by itself). Measured here (TF 2.21, CPU): forked variants of a
suite reuse the programs; across fresh interpreters (`spawn`) the cache keys drifted from run to run, so a fresh
interpreter may compile again.
"""
from __future__ import annotations

from dataclasses import replace

import pytest

from harness.launch.runner import run_pairs
from harness.spec import Case, Variant


def adam_with_xla_update(kwargs, ctx):
    """What tf-keras's Adam does on a GPU by itself: its update step jit-compiled, traced once per weight."""
    import tensorflow as tf

    optimizer = tf.keras.optimizers.Adam(5e-5)
    optimizer.jit_compile = True
    return {**kwargs, "optimizer": optimizer}


VARIANT = Variant("xla_update", "check", {"procedure": "overfit", "steps": 2,
                                          "hooks": {"before_compile": "tests.harness.launch.test_xla_cache:"
                                                                      "adam_with_xla_update"}},
                  claims={"cpu": "plateau", "gpu": "plateau"}, says="2 steps: no overfit, only compilations")
CASE = Case("xla_cache", "t", "x", (VARIANT,))


@pytest.fixture()
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FITBENCH_CACHE", str(tmp_path))
    monkeypatch.setenv("FITBENCH_XLA_CACHE", "1")
    return tmp_path


def test_later_variants_of_a_suite_load_the_xla_programs_an_earlier_one_compiled(own_cache):
    """Four variants with the same model, forked from one zygote. The first compiles every weight's update;
    later ones load them from the cache — not all of them: XLA's key names the traced function, whose name
    carries a counter that can differ between children (measured here over repeated suites: of the three later
    variants one or two compiled again, the others loaded all 40 programs)."""
    names = ("xla_update", "again", "third", "fourth")
    case = Case("xla_cache", "t", "x", tuple(replace(VARIANT, name=n) for n in names))
    first, *later = run_pairs([(case, v) for v in case.variants], "cpu", launcher="fork")
    assert all(r.outcome == "completed" for r in (first, *later)), [r.error for r in (first, *later)]
    compiled = first.metrics["xla_compilations"]
    assert compiled >= 10, first.metrics  # one per weight of the tiny model
    split = first.metrics["first_step"]
    assert split["xla_compilations"] >= 10 and split["xla_compile_s"] > 0 and split["traces"] >= 1
    assert abs(split["tracing_s"] + split["xla_compile_s"] + split["execution_s"] - split["total_s"]) < 1e-3
    cache = first.context.caches["xla"]
    assert cache["files_after"] - cache["files_before"] >= 10
    for r in later:  # every program is either compiled or loaded: the two counts always add up
        assert r.metrics["xla_compilations"] + r.diagnostics["xla_loaded"] == compiled
    loaders = [r for r in later if r.diagnostics["xla_loaded"] == compiled]
    assert loaders, [(r.metrics["xla_compilations"], r.diagnostics["xla_loaded"]) for r in later]
    assert loaders[0].metrics["first_step"]["xla_compile_s"] < split["xla_compile_s"]  # a load costs less
    assert all(r.metrics["loss_per_step"] == first.metrics["loss_per_step"] for r in later)  # the same programs
