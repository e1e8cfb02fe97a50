"""One number formatter for every table fitbench prints or writes: what counts as a number, and how a missing
one reads ("–", never "nan" or "None")."""
from __future__ import annotations

from typing import Any

MISSING = "–"


def number(value: Any) -> float | None:
    """A measured value as a float; None for None, NaN, booleans and anything that is not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    return float(value)


def fmt(value: Any, spec: str = "{:.3g}", none: str = MISSING) -> str:
    """`value` through `spec`, or `none` when it is not a number."""
    x = number(value)
    return none if x is None else spec.format(x)


def value_text(value: Any) -> str:
    """Any value a comparison holds: a number to 4 significant digits, a tally {"ok": 2} as "ok×2", else str."""
    if isinstance(value, dict):
        return ", ".join(f"{k}×{v}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:.4g}"
    return MISSING if value is None else str(value)


def percent(value: Any) -> str:
    """A ratio as a percentage with two significant digits: small-batch MFU on a big card sits at 0.01 %, and
    "0.0%" would hide that."""
    x = number(value)
    return MISSING if x is None else f"{x * 100:.2g}%"


def ratio(value: Any, base: Any) -> float | None:
    value, base = number(value), number(base)
    return value / base if value is not None and base else None


def seconds(value: float) -> str:
    return f"{value:.2f}s" if value < 10 else f"{value:.1f}s"
