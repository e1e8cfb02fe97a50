"""Hooks: code a case carries, called by the worker at named points of the pipeline.

Some bugs are not a combination of RunConfig knobs: a `map` that forgets the hypothesis, a checkpoint saved and
reloaded, a Keras 3 callback handed to a tf-keras model. A case module supplies such code as plain functions and
names them in its variant's knobs, `hooks={"after_tokenize": "cases.my_case:my_hook"}`, so the job
stays JSON; the worker imports the function when the point is reached. Every hook has the same shape,

    def hook(value, ctx: harness.hooks.Context): ... return value

gets what the pipeline has built at that point and returns what the pipeline goes on with:

| point            | where                                         | value in → out                              |
| ---------------- | --------------------------------------------- | ------------------------------------------- |
| `start`          | worker, before it imports TensorFlow*         | None → ignored                              |
| `after_tokenize` | after `raw.map(preprocess_function)`          | tokenized DatasetDict → DatasetDict         |
| `on_dataset`     | after `to_tf_dataset` of the training split   | tf.data.Dataset → tf.data.Dataset           |
| `load_model`     | instead of harness.model.build_model          | None → model                                |
| `on_model`       | after the model is built, before compile      | model → model                               |
| `before_compile` | just before `model.compile(**kwargs)`         | compile kwargs (dict) → kwargs              |
| `callbacks`      | the fit procedure's `model.fit(callbacks=…)`  | list of callbacks → list                    |

*A variant with a `start` hook always runs in a fresh interpreter (as does every variant with its own `env`):
in a worker forked from the runner's zygote TensorFlow is already imported, which is what `start` hooks exist
to get in front of (harness/launch/runner.py).

A transforming hook that returns None is an error naming the hook: a forgotten `return` would otherwise
surface much later as an unrelated-looking failure of the pipeline.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from harness.spec.config import HOOK_POINTS, RunConfig


@dataclass
class Context:
    """What a hook may read besides its value: the run's config and what the pipeline has loaded so far."""

    cfg: RunConfig
    point: str
    tokenizer: Any = None   # once the pipeline has it (after_tokenize and later)
    raw: Any = None         # the raw DatasetDict (after_tokenize, on_dataset)


class HookError(RuntimeError):
    """A hook named in a config cannot be imported, or broke its contract."""


def resolve(target: str) -> Callable[[Any, Context], Any]:
    """'package.module:function' → the function; an error naming the target when it is not there."""
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise HookError(f"hook {target!r}: cannot import {module_name!r} ({exc})") from exc
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise HookError(f"hook {target!r}: {module_name} has no function {attr!r}")
    return fn


def call(point: str, value: Any, cfg: RunConfig, **context: Any) -> Any:
    """Run the hook configured for `point`, if any; returns the value the pipeline goes on with."""
    if point not in HOOK_POINTS:  # a typo in harness code, not in a case: cases are checked by RunConfig
        raise ValueError(f"unknown hook point {point!r} (known: {list(HOOK_POINTS)})")
    target = cfg.hooks.get(point)
    if not target:
        return value
    out = resolve(target)(value, Context(cfg=cfg, point=point, **context))
    if point == "start":
        return None
    if out is None:
        raise HookError(f"hook {target!r} at {point!r} returned None; it must return the value to go on with")
    return out
