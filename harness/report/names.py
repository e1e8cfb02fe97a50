"""How the report names an environment column where space is short — plot titles, legends, table headers —
without dropping any part of its identity (TF, the Keras it drives, transformers, device, hardware, machine):
long words shortened, never a part left out."""
from __future__ import annotations

import re


def short_hardware(text: str) -> str:
    """'Intel(R) Xeon(R) CPU @ 2.20GHz × 2' -> 'Intel Xeon @ 2.20GHz × 2', 'NVIDIA H200 140 GiB' -> 'H200 140 GiB':
    trademarks and the words every such name has go, the model and the numbers stay."""
    text = re.sub(r"\((R|TM|tm)\)", "", text)
    text = re.sub(r"\b(CPU|Processor)\b", "", text)
    text = re.sub(r"\bNVIDIA ", "", text)
    return " ".join(text.split())


def short_env(key: str, lines: int = 1) -> str:
    """An environment column's title for tables, plot titles and legends: every part of its identity (TF, the
    Keras it drives, transformers, device, hardware, machine), with long words shortened — 'TF 2.21.0 · tf-keras
    2.21.0 · tr 4.57.6 · gpu · H200 140 GiB'. `lines=2` puts the hardware on a second line (narrow panels)."""
    parts = key.split(" · ")
    if len(parts) < 4:
        return key
    parts = [p.replace("transformers ", "tr ", 1) for p in parts]
    parts[4:5] = [short_hardware(parts[4])] if len(parts) > 4 else []
    if lines == 2:
        return " · ".join(parts[:3]) + "\n" + " · ".join(parts[3:])
    return " · ".join(parts)
