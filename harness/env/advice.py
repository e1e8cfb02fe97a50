"""What most likely fixes an environment that cannot run fitbench, from its error text and its versions.

An old release meeting today's dependencies, transformers 5 without TF models, a TensorFlow without its tf-keras:
each fails with a recognisable line, and each has one fix worth saying. Knowledge of environments, so it lives
here: the bisect says it at an installability boundary (harness/releases/installability.py) and the report
under a column that cannot run (harness/report/columns.py).
"""
from __future__ import annotations

from typing import Callable

from harness.env.companions import KERAS_3_FROM
from harness.env.packages import minor


def _tf_keras_missing(versions: dict) -> str:
    """The advice for "Keras cannot be imported" / "install tf-keras", fitted to the TensorFlow it talks about."""
    at = minor(versions.get("tensorflow") or "")
    wanted = f"{at[0]}.{at[1]}" if at else "of TensorFlow's minor"
    if at and at < KERAS_3_FROM:
        return (f"TF {versions.get('tensorflow')} honours TF_USE_LEGACY_KERAS=1 by importing tf_keras, which is "
                f"not installed: install tf-keras {wanted} (`--pin tf-keras~={wanted}.0`), or leave the variable "
                f"unset (tf.keras is Keras 2 already on TF ≤ 2.15)")
    return (f"tf-keras missing: TF {versions.get('tensorflow') or '≥ 2.16'} needs tf-keras {wanted} "
            f"(`--pin tf-keras~={wanted}.0`, or leave tf-keras unpinned and fitbench adds the matching one)")


# (fragments of the error or install message, the fix given the record's versions); first match wins
_FIXES: list[tuple[tuple[str, ...], Callable[[dict], str]]] = [
    (("backwards-compatible tf-keras", "Keras cannot be imported", "No module named 'tf_keras'"), _tf_keras_missing),
    (("cannot import name 'TF", "has no attribute TF"),
     lambda v: "transformers ≥ 5 has no TensorFlow models: `--pin 'transformers<5'`"),
    (("No module named 'keras.", "keras.__internal__", "hdf5_format"),
     lambda v: "this transformers predates the Keras it meets: a newer transformers, or TensorFlow ≤ 2.15"),
    # before the resolver's own words: a resolver that finds no wheel also says "No solution found"
    (("No matching distribution", "no wheels", "not have a wheel", "has no wheel for", "requires-python",
      "Requires-Python", "requires Python"),
     lambda v: "no wheel of this release for this Python: a release that has one (the bisect goes on within "
               "those), or an interpreter the release was built for"),
    (("No solution found", "ResolutionImpossible", "unsatisfiable", "conflict"),
     lambda v: "the requirements do not resolve together: change the --pin the installer names"),
    # an old release meeting today's dependencies (measured: datasets 2.10 - 2.14.4 beside pyarrow 21, which
    # removed PyExtensionType); resolved as of the release's date, its users' dependencies come with it
    (("PyExtensionType", "numpy.core.multiarray failed to import", "compiled using NumPy 1.x",
      "_ARRAY_API not found"),
     lambda v: "a dependency newer than the release: resolve as of its date (bisect without `--as-of today`)"),
]


def likely_fix_for(text: str, versions: dict) -> str | None:
    """The fix for the first known failure whose fragment `text` holds, fitted to `versions`; None if unknown."""
    for fragments, fix in _FIXES:
        if any(f in text for f in fragments):
            return fix(versions)
    return None
