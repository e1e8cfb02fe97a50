"""Trackers: small, separate measuring pieces that a procedure composes.

- `harness.callbacks.StepRecorder` (the Keras callback, kept apart so this module imports no TensorFlow).
- `PeakSampler`: a background thread that polls a probe (host RSS, NVML) and keeps the peak.
- `nvml_probes`: this process's GPU memory and the device's used memory, through an injectable NVML module
  (tests pass a fake; the GPU machine uses pynvml from nvidia-ml-py).
- `tf_memory_peak`: TensorFlow's own allocator peak on a GPU.
- `throughput` and `mfu`: steady-state numbers from step times, and model FLOPs utilisation.
- `machine_cpu` and `others_cpu_share`: how much of the machine other processes used while the steps ran.
- `measured`: the measured region of a procedure, wrapped by the trackers — written once, for every procedure
  that measures.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Protocol

import numpy as np

MiB = 1024 * 1024


def step_time_stats(step_seconds: list[float]) -> dict[str, float | None]:
    """Time to first step (tracing / XLA compilation) kept apart from the steady-state median and p90."""
    if not step_seconds:
        return {"time_to_first_step_s": None, "step_time_median_s": None, "step_time_p90_s": None}
    steady = step_seconds[1:] or step_seconds
    return {
        "time_to_first_step_s": step_seconds[0],
        "step_time_median_s": float(np.median(steady)),
        "step_time_p90_s": float(np.percentile(steady, 90)),
    }


def step_cpu_stats(step_cpu_seconds: list[float]) -> dict[str, float | None]:
    """The steady steps' median process CPU time (all threads): a wall-clock step that waited for a core is not
    charged here, so it moves less with what else the machine does."""
    steady = step_cpu_seconds[1:] or step_cpu_seconds
    return {"step_cpu_median_s": float(np.median(steady)) if steady else None}


def step_count_stats(step_counts: list[int], event: str, note: str = "") -> dict[str, float | str | None]:
    """The median steady step's hardware count (`step_instructions_median` for instructions), or where the
    machine could not count, why not (`hardware_counters`, a diagnostic): never a failure."""
    steady = step_counts[1:] or step_counts
    if not steady:
        return {"hardware_counters": note} if note else {}
    return {f"step_{event.replace('-', '_')}_median": float(np.median(steady))}


def machine_cpu(stat: str = "/proc/stat") -> tuple[float, float] | None:
    """The machine's (busy, all) CPU ticks since boot over every core, from the kernel's counters; steal (time a
    virtual machine's core was given to another guest) counts as busy. None where there are none (not Linux)."""
    try:
        with open(stat) as f:
            ticks = [float(x) for x in f.readline().split()[1:9]]   # user nice system idle iowait irq softirq steal
    except (OSError, ValueError):
        return None
    if len(ticks) < 8:
        return None
    idle = ticks[3] + ticks[4]
    return sum(ticks) - idle, sum(ticks)


def others_cpu_share(before: tuple[float, float] | None, after: tuple[float, float] | None,
                     own_cpu_s: float) -> float | None:
    """The share of the machine's CPU capacity that processes other than this one used between two `machine_cpu`
    readings (0: the measurement had the machine to itself; 0.5 on 2 cores: one core busy with others) — why a
    timing was noisy, said by the run itself. None without readings or time between them."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    seconds_per_tick = 1.0 / os.sysconf("SC_CLK_TCK")
    others = (after[0] - before[0]) * seconds_per_tick - own_cpu_s
    return round(min(max(others / ((after[1] - before[1]) * seconds_per_tick), 0.0), 1.0), 4)


def throughput(step_seconds: list[float], batch_size: int, real_tokens_per_step: float,
               padded_tokens_per_step: float, warmup_steps: int = 1) -> dict[str, float | None]:
    """Samples/s and tokens/s (real, unpadded and padded) over the steady steps, by the median step time."""
    steady = step_seconds[warmup_steps:]
    if not steady:
        return {"samples_per_s": None, "real_tokens_per_s": None, "padded_tokens_per_s": None}
    median = float(np.median(steady))
    return {
        "samples_per_s": batch_size / median,
        "real_tokens_per_s": real_tokens_per_step / median,
        "padded_tokens_per_s": padded_tokens_per_step / median,
    }


# Dense peak TFLOP/s (no sparsity: the data sheets' tensor-core figures "with sparsity" halved) per card and dtype,
# from NVIDIA's data sheets. NVML names: "NVIDIA H100 80GB HBM3" (SXM5), "NVIDIA H100 PCIe", "NVIDIA H100 NVL",
# "NVIDIA H200" (SXM5, 700 W), "NVIDIA H200 NVL" (PCIe, 600 W: lower clocks, so lower peaks than the SXM part).
PEAK_TFLOPS = {
    "H100 80GB HBM3": {"float32": 67.0, "tf32": 494.7, "bfloat16": 989.4, "float16": 989.4},
    "H100 PCIe": {"float32": 51.2, "tf32": 378.0, "bfloat16": 756.0, "float16": 756.0},
    "H100 NVL": {"float32": 60.0, "tf32": 417.5, "bfloat16": 835.5, "float16": 835.5},
    "H200": {"float32": 67.0, "tf32": 494.7, "bfloat16": 989.4, "float16": 989.4},
    "H200 NVL": {"float32": 60.0, "tf32": 417.5, "bfloat16": 835.5, "float16": 835.5},
    "A100-SXM4-80GB": {"float32": 19.5, "tf32": 156.0, "bfloat16": 312.0, "float16": 312.0},
    "A100-SXM4-40GB": {"float32": 19.5, "tf32": 156.0, "bfloat16": 312.0, "float16": 312.0},
    "L4": {"float32": 30.3, "tf32": 60.0, "bfloat16": 121.0, "float16": 121.0},
    "Tesla T4": {"float32": 8.1, "float16": 65.0},
}


def peak_tflops(gpu_name: str | None, dtype: str) -> float | None:
    """The card's dense peak for `dtype`; the longest table name contained in `gpu_name` wins ("H200 NVL" over
    "H200"), so the table's order does not matter."""
    if not gpu_name:
        return None
    matches = [card for card in PEAK_TFLOPS if card.lower() in gpu_name.lower()]
    return PEAK_TFLOPS[max(matches, key=len)].get(dtype) if matches else None


def mfu(n_params: int, tokens_per_s: float | None, gpu_name: str | None, dtype: str) -> float | None:
    """Model FLOPs utilisation: training FLOPs ≈ 6 × parameters × tokens, against the card's dense peak."""
    peak = peak_tflops(gpu_name, dtype)
    if peak is None or not tokens_per_s:
        return None
    return 6.0 * n_params * tokens_per_s / (peak * 1e12)


class PeakSampler:
    """Polls `probe()` every `interval` seconds in a daemon thread and keeps the maximum (MiB)."""

    def __init__(self, probe: Callable[[], float | None], interval: float = 0.05):
        self.probe = probe
        self.interval = interval
        self.peak: float | None = None
        self.samples = 0
        self.total = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _take(self) -> None:
        value = self.probe()
        if value is not None:
            self.peak = value if self.peak is None else max(self.peak, value)
            self.samples += 1
            self.total += value

    @property
    def mean(self) -> float | None:
        return self.total / self.samples if self.samples else None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._take()
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakSampler":
        self._take()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._take()


def rss_probe() -> Callable[[], float]:
    import psutil

    proc = psutil.Process(os.getpid())
    return lambda: proc.memory_info().rss / MiB


def nvml_busy_probe(nvml: Any, index: int = 0) -> Callable[[], float]:
    """The GPU's utilisation, % of the last sample period in which a kernel ran (NVML)."""
    handle = nvml.nvmlDeviceGetHandleByIndex(index)
    return lambda: float(nvml.nvmlDeviceGetUtilizationRates(handle).gpu)


def nvml_probes(nvml: Any, index: int = 0, pid: int | None = None) -> tuple[Callable, Callable]:
    """(process MiB, device used MiB) probes. `nvml` is pynvml or a fake with the same functions."""
    nvml.nvmlInit()
    handle = nvml.nvmlDeviceGetHandleByIndex(index)
    pid = os.getpid() if pid is None else pid

    def process_mib() -> float | None:
        for proc in nvml.nvmlDeviceGetComputeRunningProcesses(handle):
            if proc.pid == pid and proc.usedGpuMemory is not None:
                return proc.usedGpuMemory / MiB
        return None

    def device_mib() -> float:
        return nvml.nvmlDeviceGetMemoryInfo(handle).used / MiB

    return process_mib, device_mib


def tf_memory_reset(device: str = "GPU:0") -> None:
    import tensorflow as tf

    tf.config.experimental.reset_memory_stats(device)


def tf_memory_peak(device: str = "GPU:0") -> float:
    import tensorflow as tf

    return tf.config.experimental.get_memory_info(device)["peak"] / MiB


class MemoryTracker:
    """Composes the memory trackers that apply to a device: host RSS everywhere; on a GPU also NVML
    (this process and the whole device) and TF's allocator peak, reset at the start of the measured region.

    `result` holds every key on every device; a key a device cannot have is None, and `memory_notes` says why.
    """

    KEYS = ("rss_peak_mib", "nvml_process_peak_mib", "nvml_device_peak_mib", "tf_peak_mib", "gpu_busy_pct")

    def __init__(self, device: str, nvml: Any = None, interval: float = 0.05):
        self.device, self.nvml, self.interval = device, nvml, interval
        self.result: dict[str, Any] = {k: None for k in self.KEYS}
        self.result["memory_notes"] = []
        self._samplers: dict[str, PeakSampler] = {}

    def __enter__(self) -> "MemoryTracker":
        self._samplers["rss_peak_mib"] = PeakSampler(rss_probe(), self.interval)
        if self.device == "gpu":
            try:
                nvml = self.nvml
                if nvml is None:
                    import pynvml as nvml
                process, device = nvml_probes(nvml)
                self._samplers["nvml_process_peak_mib"] = PeakSampler(process, self.interval)
                self._samplers["nvml_device_peak_mib"] = PeakSampler(device, self.interval)
                # how busy the card was while training: low means the host (Python, launches, input) limits it
                self._samplers["gpu_busy_pct"] = PeakSampler(nvml_busy_probe(nvml), self.interval)
            except Exception as exc:  # NVML missing or refused: keep the run, say why the numbers are absent
                self.result["memory_notes"].append(f"NVML unavailable: {type(exc).__name__}: {exc}")
            try:
                tf_memory_reset()
            except Exception as exc:
                self.result["memory_notes"].append(f"TF memory stats unavailable: {exc}")
        else:
            self.result["memory_notes"].append("cpu: no GPU memory (NVML, TF allocator) to measure")
        for sampler in self._samplers.values():
            sampler.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        for key, sampler in self._samplers.items():
            sampler.__exit__(*exc)
            self.result[key] = sampler.mean if key == "gpu_busy_pct" else sampler.peak
        if self.device == "gpu" and not any("TF memory" in n for n in self.result["memory_notes"]):
            try:
                self.result["tf_peak_mib"] = tf_memory_peak()
            except Exception as exc:
                self.result["memory_notes"].append(f"TF memory stats unavailable: {exc}")


class Summarised(Protocol):
    """What `measured` needs of a step recorder (harness/train/callbacks.py StepRecorder)."""

    def summary(self) -> dict[str, Any]: ...


def n_params(model: Any) -> int | None:
    """The model's parameter count; None for a model that is not built."""
    # a model that older transformers build lazily is unbuilt where its first call failed: count_params()
    # would raise and hide the real error (measured: transformers 4.25.1 on TF 2.12.1)
    return int(model.count_params()) if model.built else None


@contextmanager
def measured(device: str, metrics: dict[str, Any], recorder: Summarised, model: Any = None,
             nvml: Any = None) -> Iterator[MemoryTracker]:
    """The region a procedure measures, wrapped by the trackers: the memory trackers run around it, and the
    recorder's summary, the memory numbers and (where a model is given) its parameter count go into `metrics`
    however the region ends — a run that raises half-way still reports what it measured before the error
    propagates. `nvml`: pynvml unless a test hands in a fake."""
    memory = MemoryTracker(device, nvml=nvml)
    try:
        with memory:
            yield memory
    finally:
        metrics.update(recorder.summary(), **memory.result)
        if model is not None:
            metrics["n_params"] = n_params(model)
