"""The device as one variant's process sets it up, before TensorFlow initialises: visibility, memory growth,
a logical memory cap, the allocator's retry, the precision policy, the seed; and what only TensorFlow can tell
about the environment (its CUDA build, which Keras `tf.keras` really is).

The GPU branch takes TensorFlow's `tf.config` and eager context as arguments where it touches them
(`configure_gpus`, `disallow_allocator_retry`), so tests drive it on a CPU machine with a fake device list and a
fake context; tests/harness/train/test_device.py also runs it on a real GPU (marked `gpu`).
"""
from __future__ import annotations

import os
from typing import Any, Callable

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
    configure_gpus(tf.config, cfg, device, memory_bound_mib)
    if cfg.precision != "float32":
        tf.keras.mixed_precision.set_global_policy(cfg.precision)
    # seed before the input pipeline exists: to_tf_dataset's shuffle takes its seed from the global one
    tf.keras.utils.set_random_seed(cfg.seed)


def configure_gpus(config: Any, cfg: RunConfig, device: str, memory_bound_mib: int | None = None) -> list[Any]:
    """Memory growth or a logical memory cap on the GPUs `config` (TensorFlow's `tf.config`, or a fake) lists;
    returns them. A cap — the variant's own, else the runner's bound for a shared card — replaces memory growth."""
    gpus = config.list_physical_devices("GPU")
    if device == "gpu" and not gpus:
        raise RuntimeError("device gpu requested but TensorFlow sees no GPU")
    cap = cfg.gpu_memory_limit_mib or memory_bound_mib
    for gpu in gpus:
        if cfg.memory_growth and not cap:
            config.experimental.set_memory_growth(gpu, True)
    if gpus and cap:
        # a logical device with a fixed cap: the same OOM on an 80 GB card as on a 16 GB one
        config.set_logical_device_configuration(gpus[0], [config.LogicalDeviceConfiguration(memory_limit=cap)])
    return gpus


def disallow_allocator_retry(ctx: Any = None) -> None:
    """GPUOptions.Experimental.disallow_retry_on_allocation_failure, before the runtime starts: a failed GPU
    allocation raises ResourceExhaustedError at once instead of after TF's 10 s wait (`kMaxMillisToWait`) per
    blocked allocation. `ctx`: TensorFlow's eager context unless a test hands in another (a fake, or a fresh
    `context.Context()`)."""
    from tensorflow.core.protobuf import config_pb2

    if ctx is None:
        from tensorflow.python.eager import context

        ctx = context.context()

    def allow_no_retry(config: Any) -> None:
        config.gpu_options.experimental.disallow_retry_on_allocation_failure = True

    edit_context_config(ctx, config_pb2.ConfigProto, allow_no_retry)


def edit_context_config(ctx: Any, new_config: Callable[[], Any], edit: Callable[[Any], None]) -> None:
    """Applies `edit` to a copy of the eager context's own ConfigProto and puts the copy back.

    Why the private `ctx._config`: TF 2 has no public setter for GPUOptions.Experimental (tf.config covers memory
    growth and logical devices, not the allocator's retry). The context keeps the ConfigProto it was made with in
    `_config`; its `config` property starts from a copy of it, merges the tf.config settings in, and
    `ensure_initialized` hands that to the runtime — so a field set here before the runtime starts reaches the
    allocator (tensorflow/python/eager/context.py, TF 2.21: `Context.config`, `ensure_initialized`). A copy, not an
    edit in place: `_config` may be None, or a proto its caller still holds. The only place fitbench writes it."""
    config = new_config()
    if getattr(ctx, "_config", None) is not None:
        config.CopyFrom(ctx._config)
    edit(config)
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
