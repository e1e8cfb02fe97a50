"""Trackers, each alone: NVML logic against a fake NVML, the sampler, throughput and MFU arithmetic, and the
measured region that wraps a procedure's work in them."""
import os
import time
from types import SimpleNamespace

import pytest

from harness.train import trackers
from harness.train.trackers import MemoryTracker, PeakSampler, measured
from tests.harness.fake_nvml import FakeNVML


def test_nvml_probes_pick_this_process_and_device_used():
    nvml = FakeNVML(pid=4242, process_mib=[600], device_mib=[1500])
    process, device = trackers.nvml_probes(nvml, pid=4242)
    assert nvml.initialised and process() == 600 and device() == 1500


def test_nvml_probe_is_none_when_process_not_listed():
    process, _ = trackers.nvml_probes(FakeNVML(pid=1, process_mib=[5], device_mib=[5]), pid=777)
    assert process() is None


def test_peak_sampler_keeps_the_maximum():
    values = iter([1.0, 5.0, 3.0] + [2.0] * 1000)
    with PeakSampler(lambda: next(values), interval=0.001) as sampler:
        time.sleep(0.05)
    assert sampler.peak == 5.0 and sampler.samples >= 3
    assert sampler.mean == pytest.approx(sampler.total / sampler.samples) and 2.0 <= sampler.mean < 5.0


class FakeAllocator:
    """TF's allocator stats as `tf.config.experimental` keeps them: a peak since the last reset, which a reset
    lowers to what is held now. Before the measured region something else peaked at 4000 MiB."""

    def __init__(self, held: float = 100.0, earlier_peak: float = 4000.0, reset_fails: bool = False):
        self.held, self.peak, self.reset_fails = held, earlier_peak, reset_fails

    def reset(self, device="GPU:0"):
        if self.reset_fails:
            raise RuntimeError("reset_memory_stats is not supported")
        self.peak = self.held

    def allocate(self, mib: float):
        self.held += mib
        self.peak = max(self.peak, self.held)
        self.held -= mib  # freed again: only the peak remembers it

    def read_peak(self, device="GPU:0"):
        return self.peak

    def install(self, monkeypatch) -> "FakeAllocator":
        monkeypatch.setattr(trackers, "tf_memory_reset", self.reset)
        monkeypatch.setattr(trackers, "tf_memory_peak", self.read_peak)
        return self


def test_memory_tracker_on_gpu_with_fake_nvml(monkeypatch):
    allocator = FakeAllocator().install(monkeypatch)
    nvml = FakeNVML(pid=os.getpid(), process_mib=[100, 700, 300], device_mib=[900, 1400, 1000])
    with MemoryTracker("gpu", nvml=nvml, interval=0.001) as mem:
        allocator.allocate(412)
        time.sleep(0.05)
    r = mem.result
    assert r["nvml_process_peak_mib"] == 700 and r["nvml_device_peak_mib"] == 1400
    # the region's own peak: reset at the start (not the earlier 4000), read at the end (not the 100 held then)
    assert r["tf_peak_mib"] == 512
    assert r["gpu_busy_pct"] == 40.0  # a mean over the region, not a peak
    assert r["rss_peak_mib"] > 10 and r["memory_notes"] == []


def test_a_tf_peak_that_cannot_be_reset_is_absent_with_a_note_not_a_stale_peak(monkeypatch):
    FakeAllocator(reset_fails=True).install(monkeypatch)
    with MemoryTracker("gpu", nvml=FakeNVML(pid=os.getpid()), interval=0.001) as mem:
        pass
    assert mem.result["tf_peak_mib"] is None  # 4000 would be another region's peak
    assert any("TF memory stats unavailable" in n for n in mem.result["memory_notes"])


def test_memory_tracker_on_cpu_says_why_gpu_numbers_are_absent():
    with MemoryTracker("cpu") as mem:
        pass
    assert mem.result["nvml_process_peak_mib"] is None and mem.result["tf_peak_mib"] is None
    assert mem.result["rss_peak_mib"] > 10 and "cpu" in mem.result["memory_notes"][0]


def test_throughput_uses_median_of_steady_steps():
    out = trackers.throughput([10.0, 0.5, 0.5, 1.0], batch_size=16, real_tokens_per_step=320,
                              padded_tokens_per_step=512)
    assert out == {"samples_per_s": 32.0, "real_tokens_per_s": 640.0, "padded_tokens_per_s": 1024.0}
    stats = trackers.step_time_stats([10.0, 0.5, 0.5, 1.0])
    assert stats["time_to_first_step_s"] == 10.0 and stats["step_time_median_s"] == 0.5


def test_mfu_against_known_card_and_unknown():
    # 6 * 66e6 params * 40_000 tok/s = 15.84 TFLOP/s of 67 fp32 TFLOP/s on an H100
    assert trackers.mfu(66_000_000, 40_000, "NVIDIA H100 80GB HBM3", "float32") == pytest.approx(0.2364, abs=1e-3)
    assert trackers.mfu(66_000_000, 40_000, "Some Future GPU", "float32") is None
    assert trackers.mfu(66_000_000, 40_000, None, "float32") is None


def test_peak_table_tells_h200_sxm_from_nvl_whatever_the_order():
    from harness.train.trackers import peak_tflops

    assert peak_tflops("NVIDIA H200", "tf32") == 494.7  # SXM5, as NVML names it
    assert peak_tflops("NVIDIA H200 NVL", "tf32") == 417.5 and peak_tflops("NVIDIA H200 NVL", "float16") == 835.5
    assert peak_tflops("NVIDIA H100 NVL", "bfloat16") == 835.5
    assert peak_tflops("NVIDIA H100 80GB HBM3", "float16") == 989.4
    assert peak_tflops("Tesla T4", "tf32") is None and peak_tflops(None, "tf32") is None


class Recorder:
    def summary(self):
        return {"loss_per_step": [1.0, 0.5], "final_loss": 0.5}


def test_measured_region_reports_memory_and_the_recorder_even_when_it_raises():
    """What a procedure measured before an error is kept: the trackers' numbers and the recorder's summary reach
    `metrics`, the error propagates, and a model adds its parameter count."""
    metrics = {}
    model = SimpleNamespace(built=True, count_params=lambda: 1234)
    with pytest.raises(RuntimeError, match="half-way"):
        with measured("cpu", metrics, Recorder(), model):
            raise RuntimeError("failed half-way")
    assert metrics["loss_per_step"] == [1.0, 0.5] and metrics["n_params"] == 1234
    assert metrics["rss_peak_mib"] > 10 and set(MemoryTracker.KEYS) <= set(metrics)
    unbuilt = {}
    with measured("cpu", unbuilt, Recorder(), SimpleNamespace(built=False, count_params=lambda: 1 / 0)):
        pass
    assert unbuilt["n_params"] is None  # an unbuilt model's count would raise and hide the real error
    without_model = {}
    with measured("cpu", without_model, Recorder()):
        pass
    assert "n_params" not in without_model and without_model["final_loss"] == 0.5


def test_measured_region_on_a_gpu_with_fake_nvml(monkeypatch):
    allocator = FakeAllocator(held=56.0).install(monkeypatch)
    metrics = {}
    nvml = FakeNVML(pid=os.getpid(), process_mib=[100, 900, 200], device_mib=[1000, 1800, 1100])
    with measured("gpu", metrics, Recorder(), nvml=nvml) as memory:
        allocator.allocate(200)
        time.sleep(0.05)
    assert memory.result is not None and metrics["nvml_process_peak_mib"] == 900
    assert metrics["nvml_device_peak_mib"] == 1800 and metrics["tf_peak_mib"] == 256.0  # 56 held + 200 in the region


TRACKED = """
import json
import tensorflow as tf
from harness.spec.config import RunConfig
from harness.train.device import setup_device
from harness.train.trackers import measured
setup_device(RunConfig(device="gpu"), "gpu")
class Recorder:
    def summary(self):
        return {}
metrics = {}
with measured("gpu", metrics, Recorder()):
    a = tf.random.normal((4096, 4096))
    float(tf.reduce_sum(tf.matmul(a, a)))
print(json.dumps(metrics))
"""


@pytest.mark.gpu
def test_on_a_real_gpu_the_measured_region_reads_nvml_and_tf_allocator():
    """The real pynvml and TF's allocator stats: a 4096² matmul (64 MiB per matrix) shows in TF's peak and in the
    card's used memory; this process's own NVML figure may be absent where a container hides its PID."""
    from tests.harness.gpu_child import run_child

    metrics = run_child(TRACKED)
    assert metrics["tf_peak_mib"] >= 128 and metrics["nvml_device_peak_mib"] > 0
    assert metrics["gpu_busy_pct"] is not None and not any("unavailable" in n for n in metrics["memory_notes"])
    assert metrics["nvml_process_peak_mib"] is None or metrics["nvml_process_peak_mib"] > 0


def test_machine_cpu_reads_the_kernels_counters_steal_busy_iowait_idle(tmp_path):
    stat = tmp_path / "stat"
    #                  user nice system idle iowait irq softirq steal guest guest_nice
    stat.write_text("cpu  100 10 50 800 20 5 5 10 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n")
    assert trackers.machine_cpu(str(stat)) == (180.0, 1000.0)
    assert trackers.machine_cpu(str(tmp_path / "absent")) is None
    stat.write_text("cpu  1 2\n")
    assert trackers.machine_cpu(str(stat)) is None


def test_others_cpu_share_is_the_machines_busy_time_less_this_processs(monkeypatch):
    monkeypatch.setattr(trackers.os, "sysconf", lambda name: 100)   # 100 ticks a second
    # 4 s of the machine's capacity passed (2 cores × 2 s), 2 s of it busy, 1 s of that this process's own
    assert trackers.others_cpu_share((100, 1000), (300, 1400), own_cpu_s=1.0) == 0.25
    assert trackers.others_cpu_share((100, 1000), (300, 1400), own_cpu_s=5.0) == 0.0   # never below nothing
    assert trackers.others_cpu_share(None, (300, 1400), 1.0) is None
    assert trackers.others_cpu_share((100, 1000), (100, 1000), 0.0) is None


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


@pytest.mark.skipif(trackers.machine_cpu() is None, reason="no /proc/stat (not Linux)")
def test_a_busy_neighbours_cpu_time_is_in_others_cpu_share():
    """Provoked: a process that keeps a core busy beside this one. Whatever else the machine does meanwhile (its
    share can only add), the others' CPU seconds in the window hold at least the neighbour's own (from its
    /proc/<pid>/stat), and this process's own spinning is not among them."""
    import subprocess
    import sys

    def cpu_s(pid: int) -> float:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")   # utime + stime

    neighbour = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)   # started and spinning
        before, own, theirs = trackers.machine_cpu(), time.process_time(), cpu_s(neighbour.pid)
        _spin(1.0)
        after, own, theirs = trackers.machine_cpu(), time.process_time() - own, cpu_s(neighbour.pid) - theirs
    finally:
        neighbour.kill()
        neighbour.wait()
    share = trackers.others_cpu_share(before, after, own)
    capacity_s = (after[1] - before[1]) / os.sysconf("SC_CLK_TCK")
    assert theirs > 0.1 and share * capacity_s >= theirs - 0.05, (share, capacity_s, theirs)
    busy_s = (after[0] - before[0]) / os.sysconf("SC_CLK_TCK")
    assert share * capacity_s <= busy_s - own + 0.05       # our own spinning is left out
