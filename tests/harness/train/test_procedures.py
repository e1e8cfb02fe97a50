"""Procedures whose cases only run on a GPU, exercised in-process on CPU at a tiny shape (NVML faked), and the
one registry: every procedure the spec names has an implementation, every implementation a spec."""
import math
import os

import pytest

from harness.spec import procedures as spec_procedures
from harness.spec.config import RunConfig
from harness.spec.procedures import PrecisionSettings
from harness.train import procedures
from tests.harness.fake_nvml import FakeNVML


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
    per_call = cfg.settings(PrecisionSettings).steps_per_execution
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


def test_memory_grab_procedure_with_fake_nvml():
    """The procedure as the tf_memory_grab case runs it, its matmul on the CPU and NVML faked: the process's share of
    the card against the setting `grab_fraction`; where NVML lists no process of ours (a container), the device's
    used memory after minus before, said in a note."""
    grab = RunConfig(procedure="memory_grab", device="cpu", extra={"grab_fraction": 0.5})
    metrics = {}
    nvml = FakeNVML(pid=os.getpid(), process_mib=[79_000], device_mib=[500, 79_500], total_mib=81_559)
    assert procedures.memory_grab(grab, metrics, nvml=nvml) == "memory_grab"
    assert metrics["process_mib"] == 79_000 and metrics["device_total_mib"] == 81_559
    assert metrics["process_fraction"] == pytest.approx(79_000 / 81_559) and "memory_grab_note" not in metrics
    growth = {}
    in_a_container = FakeNVML(pid=None, device_mib=[500, 1100], total_mib=81_559)
    assert procedures.memory_grab(grab, growth, nvml=in_a_container) == "ok"
    assert growth["process_mib"] == 600 and "NVML lists no process" in growth["memory_grab_note"]
    strict = {}  # the same 600 MiB is a grab for a case that allows 0.5 %
    nvml = FakeNVML(pid=os.getpid(), process_mib=[600], device_mib=[0], total_mib=81_559)
    assert procedures.memory_grab(grab.with_overrides({"extra": {"grab_fraction": 0.005}}), strict, nvml=nvml) \
        == "memory_grab"


def test_every_procedure_the_spec_names_has_one_implementation_and_no_other():
    assert spec_procedures.unimplemented() == []
    assert set(procedures.PROCEDURES) == set(spec_procedures.NAMES)
    for name, implementation in procedures.PROCEDURES.items():
        assert spec_procedures.implementation(name) is implementation
    with pytest.raises(ValueError, match="procedure 'train' has no spec in harness/spec/procedures.py"):
        spec_procedures.implements("train")
    with pytest.raises(ValueError, match="procedure 'fit' is implemented twice"):
        spec_procedures.implements("fit")(lambda cfg, metrics: "ok")


def test_a_procedure_refuses_another_procedures_config():
    with pytest.raises(ValueError, match="procedure is 'fit', whose settings are FitSettings, not PrecisionSettings"):
        procedures.precision(RunConfig(procedure="fit"), {})


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


GRAB = """
import json
from harness.spec.config import RunConfig
from harness.train.device import setup_device
from harness.train.procedures import memory_grab
cfg = RunConfig(device="gpu", procedure="memory_grab", memory_growth={growth}, extra={{"grab_fraction": 0.5}})
setup_device(cfg, "gpu")
metrics = {{}}
observed = memory_grab(cfg, metrics)
print(json.dumps({{"observed": observed, **{{k: v for k, v in metrics.items() if k != "memory_grab_note"}}}}))
"""


@pytest.mark.gpu
def test_on_a_real_gpu_the_default_allocator_grabs_the_card_and_memory_growth_does_not():
    """The tf_memory_grab case's claim, measured by the procedure through the real NVML, each in a fresh process."""
    from tests.harness.gpu_child import run_child

    grabbed = run_child(GRAB.format(growth=False))
    assert grabbed["observed"] == "memory_grab" and grabbed["process_fraction"] >= 0.5
    grown = run_child(GRAB.format(growth=True))
    assert grown["observed"] == "ok" and 0 < grown["process_fraction"] < 0.5
    assert grabbed["device_total_mib"] == grown["device_total_mib"] > 0
