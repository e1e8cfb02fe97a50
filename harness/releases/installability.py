"""Whether a release's environment runs fitbench at all, and what would most likely fix it when it does not.

An environment that does not install, or whose fitbench fails before the variant starts (transformers' TF
models cannot be imported: tf-keras missing, transformers 5, a transformers older than its Keras), is not a
behaviour of the variant. Two such endpoints compared say nothing — "no change" between two broken installs
was the answer a user could not see through — so `fitbench bisect` stops there with the reason and the likely
fix; and a boundary next to one is an installability boundary, not a behaviour change — past which the bisect
goes on within the releases that run.

Why a release does not install on this interpreter is said from its own metadata where that explains it (the
index's requires-python, the Python versions its wheels are built for, the classifiers), not from the installer's
last line.
"""
from __future__ import annotations

import sys
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import sys_tags
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

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


def metadata_reason(package: str, version: str, meta: dict[str, dict],
                    python: tuple[int, int] = sys.version_info[:2], supported: set[str] | None = None) -> str | None:
    """Why `version` cannot install on this interpreter, from the index's metadata (harness/env/index.py
    release_metadata): a requires-python that excludes it, or wheels for other Pythons only and no sdist; None
    where the metadata says it can, or says nothing."""
    entry = meta.get(version)
    if not entry:
        return None
    here = f"{python[0]}.{python[1]}"
    spec = entry.get("requires_python")
    try:
        if spec and not SpecifierSet(spec).contains(here, prereleases=True):
            return f"{package} {version} requires Python {spec} (requires-python on the index); this is Python {here}"
    except InvalidSpecifier:
        pass
    wheels, sdist = entry.get("wheels") or [], entry.get("sdist")
    supported = supported if supported is not None else {str(t) for t in sys_tags()}
    tags = [(name, {str(t) for t in _tags(name)}) for name in wheels]
    if not wheels or sdist or any(t & supported for _, t in tags):
        return None
    built_for = sorted({t.split("-")[0] for _, ts in tags for t in ts}, key=lambda i: (len(i), i))
    classifiers = [c.rsplit(":: ", 1)[-1] for c in entry.get("classifiers") or []
                   if c.startswith("Programming Language :: Python :: 3.")]
    return (f"{package} {version} has no wheel for Python {here} on this platform and no sdist: its wheels are "
            f"for {', '.join(built_for)} (the index's file names)"
            + (f"; classifiers name Python {', '.join(classifiers)}" if classifiers else ""))


def _tags(wheel: str) -> frozenset:
    try:
        return parse_wheel_filename(wheel)[3]
    except InvalidWheelFilename:
        return frozenset()
