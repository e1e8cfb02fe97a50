"""What every variant's process imports, done once by the zygote (harness/launch/zygote.py) before it forks, and
the check that importing left TensorFlow's runtime and CUDA uninitialised (or forking would share them)."""
from __future__ import annotations

import ctypes
import importlib
from pathlib import Path

# What a variant would import anyway. Importing is all the zygote does with them.
PRELOAD = ("tensorflow", "harness.train.callbacks", "harness.train.procedures", "harness.train.evaluation",
           "transformers", "datasets", "evaluate")


def preload() -> None:
    """Import what every variant needs, including transformers' lazily loaded TF model classes."""
    for name in PRELOAD:
        importlib.import_module(name)
    import transformers

    for attr in ("TFDistilBertForSequenceClassification", "TFAutoModelForSequenceClassification",
                 "DataCollatorWithPadding", "create_optimizer", "DistilBertConfig", "PreTrainedTokenizerFast"):
        getattr(transformers, attr)
    from harness.env.code import code_identity

    code_identity()  # every record names its fitbench: hashed (and asked of git) once here, not in every child


def runtime_touched() -> str | None:
    """Why forking now would not give fresh state (TF runtime or CUDA already initialised), or None."""
    from tensorflow.python.eager import context

    ctx = context._context  # created lazily by the first op or device query; importing leaves it None
    if ctx is not None and getattr(ctx, "_context_handle", None) is not None:
        return "TensorFlow's runtime was initialised while importing"
    maps = Path("/proc/self/maps")
    if maps.exists() and "libcuda.so" in maps.read_text():
        handle = ctypes.c_void_p()
        # cuCtxGetCurrent answers CUDA_ERROR_NOT_INITIALIZED (3) until someone called cuInit; it never inits
        code = ctypes.CDLL("libcuda.so.1").cuCtxGetCurrent(ctypes.byref(handle))
        if code != 3:
            return f"CUDA was initialised while importing (cuCtxGetCurrent returned {code})"
    return None
