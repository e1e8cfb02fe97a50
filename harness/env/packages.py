"""Package names and versions as the index spells them: one requirement parser and one version order for all
of fitbench (bisect's candidates, the nightly's newest releases, the report's timeline)."""
from __future__ import annotations

import re


def req_name(req: str) -> str:
    """'tf_keras>=2.16 ; python_version...' -> 'tf-keras': the normalised name of a requirement."""
    return re.split(r"[\s\[<>=!~;(]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def version_key(version: str) -> tuple:
    """A sort key: PEP 440 order for versions, after them anything that is not one (e.g. 'none'), by text."""
    from packaging.version import InvalidVersion, Version

    try:
        return (0, Version(version), "")
    except InvalidVersion:
        return (1, None, str(version))


def is_final(version: str) -> bool:
    """A release, not a pre-release (rc, beta, dev); False for what is not a version at all."""
    from packaging.version import InvalidVersion, Version

    try:
        return not Version(version).is_prerelease
    except InvalidVersion:
        return False


def minor(version: str) -> tuple[int, int] | None:
    """(2, 16) for '2.16.2'; None for what has no major.minor."""
    match = re.match(r"(\d+)\.(\d+)", version or "")
    return (int(match.group(1)), int(match.group(2))) if match else None
