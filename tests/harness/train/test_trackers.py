"""Trackers, each alone: NVML logic against a fake NVML, the sampler, throughput and MFU arithmetic."""
import time
from types import SimpleNamespace

import pytest

from harness.train import trackers
from harness.train.trackers import MiB, MemoryTracker, PeakSampler


class FakeNVML:
    """Just the pynvml calls fitbench uses; memory follows a script of values."""

    def __init__(self, pid, process_mib, device_mib, total_mib=80_000):
        self.pid, self.process_mib, self.device_mib, self.total = pid, list(process_mib), list(device_mib), total_mib
        self.initialised = False

    def nvmlInit(self):
        self.initialised = True

    def nvmlDeviceGetHandleByIndex(self, i):
        return f"handle{i}"

    def nvmlDeviceGetComputeRunningProcesses(self, handle):
        value = self.process_mib.pop(0) if len(self.process_mib) > 1 else self.process_mib[0]
        return [SimpleNamespace(pid=self.pid + 1, usedGpuMemory=999 * MiB),  # another process: ignored
                SimpleNamespace(pid=self.pid, usedGpuMemory=value * MiB)]

    def nvmlDeviceGetUtilizationRates(self, handle):
        return SimpleNamespace(gpu=40, memory=10)

    def nvmlDeviceGetMemoryInfo(self, handle):
        value = self.device_mib.pop(0) if len(self.device_mib) > 1 else self.device_mib[0]
        return SimpleNamespace(used=value * MiB, total=self.total * MiB)


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


def test_memory_tracker_on_gpu_with_fake_nvml(monkeypatch):
    monkeypatch.setattr(trackers, "tf_memory_reset", lambda device="GPU:0": None)
    monkeypatch.setattr(trackers, "tf_memory_peak", lambda device="GPU:0": 512.0)
    import os

    nvml = FakeNVML(pid=os.getpid(), process_mib=[100, 700, 300], device_mib=[900, 1400, 1000])
    with MemoryTracker("gpu", nvml=nvml, interval=0.001) as mem:
        time.sleep(0.05)
    r = mem.result
    assert r["nvml_process_peak_mib"] == 700 and r["nvml_device_peak_mib"] == 1400 and r["tf_peak_mib"] == 512
    assert r["gpu_busy_pct"] == 40.0  # a mean over the region, not a peak
    assert r["rss_peak_mib"] > 10 and r["memory_notes"] == []


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
