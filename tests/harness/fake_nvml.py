"""One fake NVML for the tests that reach fitbench's GPU paths on a CPU machine: the pynvml calls fitbench makes
(harness/env/describe.py `gpus`, harness/train/trackers.py's probes, the memory-grab procedure), for one card
whose memory follows a script of values."""
from __future__ import annotations

from types import SimpleNamespace

MiB = 1024 * 1024


class FakeNVML:
    """One card (`name`, `total_mib`); this process (`pid`) holds `process_mib` and the card has `device_mib` used,
    each a script of values taken one per call (the last one repeats). `pid=None`: NVML lists no process of ours,
    as in a container whose NVML sees host PIDs."""

    def __init__(self, pid: int | None = None, process_mib=(0,), device_mib=(0,), total_mib: int = 80_000,
                 name: str | bytes = b"NVIDIA H200", count: int = 1):
        self.pid, self.process_mib, self.device_mib = pid, list(process_mib), list(device_mib)
        self.total, self.name, self.count = total_mib, name, count
        self.initialised = False

    @staticmethod
    def _next(script: list) -> float:
        return script.pop(0) if len(script) > 1 else script[0]

    def nvmlInit(self):
        self.initialised = True

    def nvmlSystemGetDriverVersion(self):
        return "580.159.04"

    def nvmlDeviceGetCount(self):
        return self.count

    def nvmlDeviceGetHandleByIndex(self, i):
        return f"handle{i}"

    def nvmlDeviceGetName(self, handle):
        return self.name

    def nvmlDeviceGetComputeRunningProcesses(self, handle):
        value = self._next(self.process_mib)
        others = [SimpleNamespace(pid=(self.pid or 0) + 1, usedGpuMemory=999 * MiB)]  # another process: ignored
        return others + ([SimpleNamespace(pid=self.pid, usedGpuMemory=value * MiB)] if self.pid is not None else [])

    def nvmlDeviceGetUtilizationRates(self, handle):
        return SimpleNamespace(gpu=40, memory=10)

    def nvmlDeviceGetMemoryInfo(self, handle):
        return SimpleNamespace(used=self._next(self.device_mib) * MiB, total=self.total * MiB)
