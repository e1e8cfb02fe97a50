"""The device as one variant's process sets it up, before TensorFlow initialises: visibility, memory growth,
a logical memory cap, the precision policy, the seed; and what only TensorFlow can tell about the environment
(its CUDA build, which Keras `tf.keras` really is).
"""
from __future__ import annotations

import os
from typing import Any

from harness.env.describe import describe, versions
from harness.spec.config import RunConfig


def setup_device(cfg: RunConfig, device: str, memory_bound_mib: int | None = None) -> None:
    """`memory_bound_mib`: the runner's cap for a variant that shares the card with others (`--jobs`), applied
    where the variant sets no cap of its own."""
    if device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"  # before TF initialises, or it would still take the GPU
    import tensorflow as tf

    if not cfg.gpu_allocator_retry:
        disallow_allocator_retry()
    gpus = tf.config.list_physical_devices("GPU")
    if device == "gpu" and not gpus:
        raise RuntimeError("device gpu requested but TensorFlow sees no GPU")
    cap = cfg.gpu_memory_limit_mib or memory_bound_mib
    for gpu in gpus:
        if cfg.memory_growth and not cap:
            tf.config.experimental.set_memory_growth(gpu, True)
    if gpus and cap:
        # a logical device with a fixed cap: the same OOM on an 80 GB card as on a 16 GB one
        tf.config.set_logical_device_configuration(gpus[0], [tf.config.LogicalDeviceConfiguration(memory_limit=cap)])
    if cfg.precision != "float32":
        tf.keras.mixed_precision.set_global_policy(cfg.precision)
    # seed before the input pipeline exists: to_tf_dataset's shuffle takes its seed from the global one
    tf.keras.utils.set_random_seed(cfg.seed)


def disallow_allocator_retry() -> None:
    """GPUOptions.Experimental.disallow_retry_on_allocation_failure, before the runtime starts: a failed GPU
    allocation raises ResourceExhaustedError at once instead of after TF's 10 s wait (`kMaxMillisToWait`) per
    blocked allocation. TF 2 has no public setter; the eager context's config is read when it initialises."""
    from tensorflow.core.protobuf import config_pb2
    from tensorflow.python.eager import context

    ctx = context.context()
    config = config_pb2.ConfigProto()
    if getattr(ctx, "_config", None) is not None:
        config.CopyFrom(ctx._config)
    config.gpu_options.experimental.disallow_retry_on_allocation_failure = True
    ctx._config = config


def tf_build_info() -> dict[str, Any]:
    import tensorflow as tf

    info = dict(tf.sysconfig.get_build_info())
    return {k: info.get(k) for k in ("cuda_version", "cudnn_version", "is_cuda_build")}


def keras_driven() -> dict[str, Any]:
    """Which Keras `tf.keras` (what fitbench and transformers' TF models build on) really is, in this process.

    Decided from the module that defines `tf.keras.layers.Dense`, not from the environment variable: TF <= 2.15
    ignores TF_USE_LEGACY_KERAS, and TF >= 2.16 honours it only where tf-keras is installed.
    """
    import tensorflow as tf

    try:
        module = tf.keras.layers.Dense.__module__
    except Exception as exc:  # TF >= 2.16 with TF_USE_LEGACY_KERAS=1 and no tf-keras: tf.keras cannot load
        return {"driven": None, "module": None, "error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    v = versions()
    if module.startswith("tf_keras"):
        driven = f"tf-keras {v.get('tf-keras')}"
    elif module.startswith("keras") and (v.get("keras") or "").startswith("2."):
        driven = f"tf.keras (keras {v.get('keras')})"
    elif module.startswith("keras"):
        driven = f"keras {v.get('keras')}"
    else:  # TF's own copy (tensorflow.python.keras), only in very old TF
        driven = f"tf.keras (tensorflow {v.get('tensorflow')})"
    return {"driven": driven, "module": module, "legacy_keras_env": os.environ.get("TF_USE_LEGACY_KERAS")}


def describe_with_tf(device: str) -> dict[str, Any]:
    """The record's `env`, as the process that ran the variant sees it."""
    return {**describe(device), "tf_build": tf_build_info(), "keras": keras_driven()}
