"""AutoGraph conversions learned from one variant and done ahead, in the zygote, for the next ones.

Half of a variant's first step on CPU was AutoGraph rewriting Python source (measured with cProfile on `tiny`:
4.95 s of 9.5 s, in 20 conversions of transformers' and Keras' functions — `call` methods, `train_step`,
the optimizer's update). Those conversions are pure source-to-source work, deterministic, and cached by
AutoGraph per (code object, conversion options); a fork inherits the cache. So:

1. each forked worker records the conversions it had to do (`start_recording`, `learned`): module, qualified
   name, file and line of the function, and the options;
2. the runner passes the ones it has not sent before to the zygote with the next request;
3. the zygote (`warm`) converts them *before* forking, so every later child finds them in its cache.

Only module-level functions and methods are learned (a function defined inside another one has a closure the
zygote cannot rebuild faithfully); each is checked to be the same code (file and line) before it is converted,
and any failure skips the entry: warming can only make a conversion cached, never change one.
"""
from __future__ import annotations

import importlib
from typing import Any

Entry = tuple[str, str, str, int, tuple]  # module, qualname, file, first line, options as a JSON-able tuple

_seen: list[Entry] = []


def _options_key(options) -> tuple:
    recursive, user_requested, internal, features = options.as_tuple()
    return (recursive, user_requested, internal, tuple(sorted(getattr(f, "name", str(f)) for f in features)))


def start_recording() -> None:
    """Record every conversion AutoGraph has to do from now on in this process (cache hits are not recorded)."""
    from tensorflow.python.autograph.impl import api

    transpiler = api._TRANSPILER
    original = transpiler.transform_function

    def recording(fn, user_context):
        code = getattr(fn, "__code__", None)
        options = getattr(user_context, "options", None)
        if code is not None and options is not None and not transpiler._cache.has(fn, options):
            qualname = getattr(fn, "__qualname__", "")
            if "<locals>" not in qualname and "<lambda>" not in qualname:
                _seen.append((fn.__module__, qualname, code.co_filename, code.co_firstlineno,
                              _options_key(options)))
        return original(fn, user_context)

    transpiler.transform_function = recording


def learned() -> list[list[Any]]:
    return [list(e) for e in dict.fromkeys(_seen)]


def _resolve(module: str, qualname: str):
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return getattr(obj, "__func__", obj)


def warm(entries: list[list[Any]]) -> int:
    """Convert `entries` into this process's AutoGraph cache; returns how many were converted."""
    from tensorflow.python.autograph.core import converter
    from tensorflow.python.autograph.impl import api

    done = 0
    for module, qualname, filename, line, (recursive, user_requested, internal, features) in entries:
        try:
            fn = _resolve(module, qualname)
            code = fn.__code__
            if (code.co_filename, code.co_firstlineno) != (filename, line):
                continue  # another function by that name: not the one the worker converted
            options = converter.ConversionOptions(
                recursive=recursive, user_requested=user_requested, internal_convert_user_code=internal,
                optional_features=tuple(converter.Feature[f] for f in features))
            if not api._TRANSPILER._cache.has(fn, options):
                api._TRANSPILER.transform(fn, converter.ProgramContext(options=options))
                done += 1
        except Exception:  # noqa: BLE001 — an entry that does not resolve or convert is simply not warmed
            continue
    return done
