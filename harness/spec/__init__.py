"""What a case can say, in plain data (standard library only: asv's benchmark discovery imports it under
every library version): `Case` and `Variant` (case.py), the `RunConfig` knobs (config.py), the procedures with
their typed settings and the registry of their implementations (procedures.py), the symptom vocabulary with its
error rules (symptoms.py), the report's sections (sections.py), the doctor's checks — each one declaration, its
step and judgement registered beside their own layers (checks.py) — and how `fitbench doctor` recognises the bug
(signs.py)."""
from harness.spec.case import SECTIONS, Case, Variant
from harness.spec.config import RunConfig
from harness.spec.procedures import Settings
from harness.spec.signs import SeenAs, Sign
from harness.spec.symptoms import ErrorRule, Symptom

__all__ = ["Case", "Variant", "RunConfig", "Settings", "Symptom", "ErrorRule", "SECTIONS", "Sign", "SeenAs"]
