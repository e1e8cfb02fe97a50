"""How the doctor judges each of its checks, one module per family — data.py (what the pipeline feeds the model)
and model.py (what running the model showed) — each judgement registered under its check's name with
`@judges` in harness/spec/checks.py, which declares the checks (order, stage, words, facts). Importing this
package registers them all; `judge(name, facts)` is the one way the doctor asks for one.
"""
from __future__ import annotations

from typing import Any

from harness.doctor.checks import data, model  # noqa: F401 (registers each family's @judges)
from harness.doctor.judgement import Judgement
from harness.spec import checks


def judge(name: str, facts: dict[str, Any]) -> Judgement:
    """What check `name` makes of the facts."""
    return checks.judgement(name)(facts)
