"""What a check's facts say, as the doctor's judgement of one check: ✓ (passed), ✗ (a problem) or – (nothing to
judge here, with why), the evidence a reader can check, and a fix of the check's own for a problem no case of the
catalog knows. The judgements themselves are registered per check in harness/doctor/checks/.

Named apart from harness/verdict/'s `Verdict` (what changed between two runs of the suite): a `Judgement` is one
check's reading of one pipeline, a `Diagnosis` (harness/doctor/signs.py) a catalogued bug seen in it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PASS, FAIL, SKIP = "✓", "✗", "–"


@dataclass
class Judgement:
    status: str                                    # PASS, FAIL or SKIP
    evidence: list[str] = field(default_factory=list)
    fix: str = ""   # a fix of the check's own, for a problem no case's sign names


def n(value: Any) -> str:
    """A number as evidence shows it: three significant digits for a float."""
    return f"{value:.3g}" if isinstance(value, float) else str(value)
