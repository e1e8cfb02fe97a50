"""Memory on a GPU: how much of the card this process holds (TensorFlow takes nearly all of it without memory
growth), whether a training step at the user's batch size and the data's longest row fits, and where it does not,
the largest batch that does, from fitbench's batch finder (harness/train/batch_finder.py). On a CPU there is no
device memory for TensorFlow to exhaust: nothing to measure (the doctor reports "–").
"""
from __future__ import annotations

from typing import Any

import numpy as np

from harness.train.checkup.subject import Subject
from harness.train.failures import describe_error

GRAB_FRACTION = 0.5  # a process holding this share of the card after a few small steps has taken it whole


def gpu_step(subject: Subject, facts: dict[str, Any]):
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


def memory_facts(subject: Subject, facts: dict[str, Any]) -> dict[str, Any]:
    import tensorflow as tf

    from harness.env.describe import gpus
    from harness.train.batch_finder import predict_batch_size
    from harness.train.trackers import MiB, nvml_probes, tf_memory_peak, tf_memory_reset

    found = tf.config.list_physical_devices("GPU")
    if not found:
        return {"device": "cpu"}
    import pynvml

    out: dict[str, Any] = {"device": "gpu", "memory_growth": bool(tf.config.experimental.get_memory_growth(found[0]))}
    process_mib, device_mib = nvml_probes(pynvml)
    total = pynvml.nvmlDeviceGetMemoryInfo(pynvml.nvmlDeviceGetHandleByIndex(0)).total / MiB
    held = process_mib()
    out["process_fraction"] = round((held if held is not None else device_mib()) / total, 3)
    step = gpu_step(subject, facts)
    batch_size = int(facts.get("batch_size") or len(subject.labels[:16]) or 16)
    try:
        subject.compile(False)
        tf_memory_reset()
        step(batch_size)
        out["peak_mib"] = round(tf_memory_peak(), 1)
    except tf.errors.ResourceExhaustedError as exc:
        out["memory_step_error"] = describe_error(exc)
        limit = float(gpus()[0]["memory_total_mib"]) if gpus() else total

        def peak() -> float:
            value = tf_memory_peak()
            tf_memory_reset()
            return value

        try:
            out["found_batch_size"], _ = predict_batch_size(step, peak, limit, batch_size)
        except tf.errors.ResourceExhaustedError:
            out["found_batch_size"] = None  # not even the finder's smallest probe fits
        out["memory_symptom"] = "oom"
        return out
    grabbed = not out["memory_growth"] and out["process_fraction"] >= GRAB_FRACTION
    out["memory_symptom"] = "memory_grab" if grabbed else "ok"
    return out
