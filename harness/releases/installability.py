"""Whether a release's environment runs fitbench at all, and what would most likely fix it when it does not.

An environment that does not install, or whose fitbench fails before the variant starts (transformers' TF
models cannot be imported: tf-keras missing, transformers 5, a transformers older than its Keras), is not a
behaviour of the variant. Two such endpoints compared say nothing — "no change" between two broken installs
was the answer a user could not see through — so `fitbench bisect` stops there with the reason and the likely
fix; and a boundary next to one is an installability boundary, not a behaviour change.
"""
from __future__ import annotations

from typing import Any

from harness.env.advice import likely_fix_for
from harness.env.build import one_line
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


def likely_fix(step: Step) -> str:
    """What would most likely make this release's environment run fitbench (harness/env/advice.py)."""
    text = step.install_error or ""
    versions: dict = {}
    if step.record is not None:
        text += " " + str((step.record.error or {}).get("message", ""))
        versions = (step.record.env or {}).get("versions") or {}
    return likely_fix_for(text, versions) or "read the endpoint's error below; fitbench does not know this one"
