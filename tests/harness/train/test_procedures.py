"""Procedures whose cases only run on a GPU, exercised in-process on CPU at a tiny shape."""
import math

import pytest

from harness.train import procedures
from harness.spec.config import RunConfig


@pytest.fixture(autouse=True)
def _seed():
    import tensorflow as tf
    tf.keras.utils.set_random_seed(0)


@pytest.mark.parametrize("knobs", [{}, {"jit_compile": True, "extra": {"seq_len": 16, "warmup_steps": 1,
                                                                        "steps_per_execution": 2}}])
def test_precision_one_mode_trains_and_reports_throughput(knobs):
    """One mode per process: fp32, and XLA with two steps per execution (the tuned variant's shape)."""
    cfg = RunConfig(model_size="tiny", batch_size=4, steps=4, n_train=64, n_validation=16, device="cpu",
                    procedure="precision", optimizer="adam", extra={"seq_len": 16, "warmup_steps": 1}
                    ).with_overrides(knobs)
    metrics = {}
    assert procedures.precision(cfg, metrics) == "ok"  # the loss fell on the fixed batch
    per_call = cfg.extra.get("steps_per_execution", 1)
    assert metrics["samples_per_s"] > 0 and metrics["compile_and_warmup_s"] > 0
    assert metrics["steps_per_execution"] == per_call and metrics["mode_xla"] is cfg.jit_compile
    assert len(metrics["loss_per_step"]) == 5 and math.isfinite(metrics["final_loss"])
    assert metrics["mfu"] is None and metrics["mfu_note"].startswith("cpu")  # no CPU peak table


def test_oom_procedure_predicts_a_batch_size_when_steps_fail(monkeypatch):
    """The OOM fix path on CPU: steps above batch 40 raise ResourceExhaustedError, the fake allocator peak grows
    linearly with the batch; the search probes 4 and 8, predicts, verifies, and records its trials."""
    import tensorflow as tf

    from harness.train import batch_finder, trackers

    seen = []
    real = batch_finder.predict_batch_size

    def capped(step, peak_mib, limit_mib, requested, **kw):
        def guarded(bs):
            seen.append(bs)
            if bs > 40:
                raise tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor")
            return step(bs)
        return real(guarded, lambda: 100.0 + 10.0 * seen[-1], limit_mib, requested, **kw)

    monkeypatch.setattr(batch_finder, "predict_batch_size", capped)
    monkeypatch.setattr(trackers, "tf_memory_reset", lambda *a: None)
    cfg = RunConfig(model_size="tiny", batch_size=64, n_train=64, n_validation=16, device="cpu", procedure="oom",
                    gpu_memory_limit_mib=500, extra={"seq_len": 16, "find_batch_size": "predict"})
    metrics = {}
    assert procedures.oom(cfg, metrics) == "ok"
    # budget 0.9 × 500 = 450 MiB → (450 - 100) / 10 = 35: fits, verified in one step
    assert metrics["found_batch_size"] == 35 and seen == [4, 8, 35]
    assert metrics["n_trials"] == 3 and metrics["n_oom_trials"] == 0 and metrics["seconds_to_fit"] > 0


def test_memory_grab_classification_uses_process_share():
    from harness.spec.symptoms import MEMORY_GRAB, OK, classify_memory
    assert classify_memory(79_000 / 81_559, 0.5) == MEMORY_GRAB and classify_memory(600 / 81_559, 0.5) == OK


def test_mfu_note_says_why_it_is_missing(monkeypatch):
    """A NaN run with no steady step must not blame the peak table (the H200 record did)."""
    monkeypatch.setattr(procedures, "gpus", lambda: [{"name": "NVIDIA H200"}])
    monkeypatch.setattr(procedures, "math_dtype", lambda precision, device: "tf32")
    none = procedures.model_flops_utilisation("gpu", "float32", 66_000_000, None)
    assert none["mfu"] is None and "no steady-state throughput" in none["mfu_note"]
    known = procedures.model_flops_utilisation("gpu", "float32", 66_000_000, 100_000.0)
    assert known["mfu"] > 0 and "mfu_note" not in known
    monkeypatch.setattr(procedures, "gpus", lambda: [{"name": "Mystery GPU 9000"}])
    unknown = procedures.model_flops_utilisation("gpu", "float32", 66_000_000, 100_000.0)
    assert "no peak TFLOP/s known for Mystery GPU 9000 (tf32)" == unknown["mfu_note"]
