"""Procedures whose cases only run on a GPU, exercised in-process on CPU at a tiny shape."""
import math

import pytest

from harness import procedures
from harness.config import RunConfig


@pytest.fixture(autouse=True)
def _seed():
    import tensorflow as tf
    tf.keras.utils.set_random_seed(0)


def test_precision_modes_side_by_side_ratios_to_fp32():
    cfg = RunConfig(model_size="tiny", batch_size=4, steps=3, n_train=64, n_validation=16, device="cpu",
                    procedure="precision_modes",
                    extra={"seq_len": 16, "warmup_steps": 1, "modes": ["fp32", "mixed+xla"]})
    metrics = {}
    assert procedures.precision_modes(cfg, metrics) == "ok"
    for mode in ("fp32", "mixed+xla"):
        assert metrics[f"{mode}_samples_per_s"] > 0 and math.isfinite(metrics[f"{mode}_final_loss"])
        assert metrics[f"{mode}_compile_and_warmup_s"] > 0
    assert metrics["fp32_over_fp32"] == 1.0 and metrics["mixed+xla_over_fp32"] > 0
    assert "xla_samples_per_s" not in metrics  # only the modes asked for
    assert metrics["fp32_mfu"] is None  # no CPU peak table


def test_oom_procedure_finds_a_batch_size_when_steps_fail(monkeypatch):
    """The OOM fix path with a step that raises ResourceExhaustedError above 8 (CPU has no capped device)."""
    import tensorflow as tf

    from harness import batch_finder

    real = batch_finder.find_executable_batch_size

    def capped(step, start, minimum=1):
        def guarded(bs):
            if bs > 8:
                raise tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor")
            return step(bs)
        return real(guarded, start, minimum)

    monkeypatch.setattr(batch_finder, "find_executable_batch_size", capped)
    cfg = RunConfig(model_size="tiny", batch_size=64, n_train=64, n_validation=16, device="cpu", procedure="oom",
                    extra={"seq_len": 16, "find_batch_size": True})
    metrics = {}
    assert procedures.oom(cfg, metrics) == "ok"
    assert metrics["found_batch_size"] == 8 and [a["batch_size"] for a in metrics["attempts"]] == [64, 32, 16, 8]


def test_memory_grab_classification_uses_process_share():
    from harness.symptoms import MEMORY_GRAB, OK, classify_memory
    assert classify_memory(79_000 / 81_559, 0.5) == MEMORY_GRAB and classify_memory(600 / 81_559, 0.5) == OK
