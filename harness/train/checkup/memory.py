"""Memory on a GPU: how much of the card this process holds (TensorFlow takes nearly all of it without memory
growth), whether a training step at the user's batch size and the data's longest row fits, and where it does not,
the largest batch that does, from fitbench's batch finder (harness/train/batch_finder.py). On a CPU there is no
device memory for TensorFlow to exhaust: nothing to measure (the doctor reports "–").

`judge` decides from a step, an allocator peak and an out-of-memory error passed in, so its logic is tested on a
CPU with fakes, as the batch finder's is; `memory_facts` gives it TensorFlow's and NVML's.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from harness.train.checkup.subject import Subject
from harness.train.failures import describe_error

GRAB_FRACTION = 0.5  # a process holding this share of the card after a few small steps has taken it whole


def gpu_step(subject: Subject, facts: dict[str, Any]) -> Callable[[int], None]:
    """One training step at batch size `b` on the data's longest row (the worst batch an epoch meets)."""
    rng = np.random.default_rng(0)
    seq = int(min(facts.get("longest_row") or 128, facts.get("max_positions") or 512))
    vocab = int(facts.get("embedding_rows") or 1000)
    classes = int(facts.get("num_labels") or 2)

    def step(batch_size: int) -> None:
        ids = rng.integers(min(5, vocab - 1), vocab, size=(batch_size, seq))
        batch = ({"input_ids": ids, "attention_mask": np.ones_like(ids)}, rng.integers(0, classes, size=batch_size))
        subject.model.train_on_batch(*subject.fit_args(batch))

    return step


def judge(step: Callable[[int], object], peak_mib: Callable[[], float], limit_mib: float, batch_size: int,
          held_fraction: float, growth: bool, oom_error: type[BaseException]) -> dict[str, Any]:
    """ok, oom (with the largest batch that fits, predicted from the allocator's peak at two small batches and
    verified), or memory_grab (the card taken without memory growth)."""
    from harness.train.batch_finder import predict_batch_size

    out: dict[str, Any] = {"memory_growth": growth, "process_fraction": round(held_fraction, 3)}
    try:
        step(batch_size)
        out["peak_mib"] = round(float(peak_mib()), 1)
    except oom_error as exc:
        out.update(memory_step_error=describe_error(exc), memory_symptom="oom")
        try:
            out["found_batch_size"], _ = predict_batch_size(step, peak_mib, limit_mib, batch_size, oom_error=oom_error)
        except oom_error:
            out["found_batch_size"] = None  # not even the finder's smallest probe fits
        return out
    out["memory_symptom"] = "memory_grab" if not growth and held_fraction >= GRAB_FRACTION else "ok"
    return out


def memory_facts(subject: Subject, facts: dict[str, Any]) -> dict[str, Any]:
    import tensorflow as tf

    from harness.train.trackers import MiB, nvml_probes, tf_memory_peak, tf_memory_reset

    found = tf.config.list_physical_devices("GPU")
    if not found:
        return {"device": "cpu"}
    import pynvml

    process_mib, device_mib = nvml_probes(pynvml)
    total = pynvml.nvmlDeviceGetMemoryInfo(pynvml.nvmlDeviceGetHandleByIndex(0)).total / MiB
    held = process_mib()
    held = device_mib() if held is None else held  # in a container NVML may list host pids: the device's use

    def peak() -> float:
        value = tf_memory_peak()
        tf_memory_reset()
        return value

    subject.compile(False)
    tf_memory_reset()
    return {"device": "gpu", **judge(gpu_step(subject, facts), peak, total, int(facts.get("batch_size") or 16),
                                     held / total, bool(tf.config.experimental.get_memory_growth(found[0])),
                                     tf.errors.ResourceExhaustedError)}
