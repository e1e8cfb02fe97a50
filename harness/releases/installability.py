"""Whether a release's environment runs fitbench at all, and what would most likely fix it when it does not.

An environment that does not install, or whose fitbench fails before the variant starts (transformers' TF
models cannot be imported: tf-keras missing, transformers 5, a transformers older than its Keras), is not a
behaviour of the variant. Two such endpoints compared say nothing — "no change" between two broken installs
was the answer a user could not see through — so `fitbench bisect` stops there with the reason and the likely
fix; and a boundary next to one is an installability boundary, not a behaviour change.
"""
from __future__ import annotations

from typing import Any, Callable

from harness.env.build import one_line
from harness.env.companions import KERAS_3_FROM
from harness.env.packages import minor
from harness.results.errors import error_text
from harness.results.groups import runs_fitbench as record_runs_fitbench

Step = Any  # harness.releases.bisect.Step (which imports this module): status, record, install_error, observed

def runs_fitbench(step: Step) -> bool:
    """The release's environment installed and fitbench got as far as the variant itself."""
    return step.status == "ran" and step.record is not None and record_runs_fitbench(step.record)


def why_not(step: Step) -> str:
    """One line: why this release's environment does not run fitbench."""
    if step.status != "ran":
        return "does not install: " + one_line(step.install_error or "the installer gave no reason", 300)
    return error_text((step.record.error if step.record else None) or {"type": step.observed}, 300)


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
    (("No solution found", "ResolutionImpossible", "unsatisfiable", "conflict"),
     lambda v: "the requirements do not resolve together: change the --pin the installer names"),
    (("No matching distribution", "no wheels", "not have a wheel", "requires-python", "Requires-Python"),
     lambda v: "no wheel of this release for this Python: bisect within the releases that have one"),
    # an old release meeting today's dependencies (measured: datasets 2.10 - 2.14.4 beside pyarrow 21, which
    # removed PyExtensionType); resolved as of the release's date, its users' dependencies come with it
    (("PyExtensionType", "numpy.core.multiarray failed to import", "compiled using NumPy 1.x",
      "_ARRAY_API not found"),
     lambda v: "a dependency newer than the release: resolve as of its date (bisect without `--as-of today`)"),
]


def likely_fix(step: Step) -> str:
    text = step.install_error or ""
    versions: dict = {}
    if step.record is not None:
        text += " " + str((step.record.error or {}).get("message", ""))
        versions = (step.record.env or {}).get("versions") or {}
    for fragments, fix in _FIXES:
        if any(f in text for f in fragments):
            return fix(versions)
    return "read the endpoint's error below; fitbench does not know this one"
