"""What a reader needs of an error: the informative line of a TF/Keras message, as one short string.

TF's messages open with a header ("Graph execution error:"), wrap the cause in node names and traceback frames,
and end with `[Op:…]`; the line that explains the failure is somewhere in between. The record keeps the whole
message; tables, reports and bisect transcripts show this line.
"""
from __future__ import annotations

import re
from typing import Any

# lines of a TF/Keras message that say where, not what: node names, traceback frames, call-argument dumps
_NOISE_PREFIXES = ("Detected at node", "File ", "[[", "Call arguments received", "•")
_GENERIC_HEADERS = ("Exception encountered when calling layer",)


def informative_line(error: dict[str, Any] | None) -> str:
    """The line of an error message a reader needs: "Column labels not found in dataset!", or, below a header
    such as "Graph execution error:", the first line that is not traceback; TF's `{{function_node …}}` and
    `[Op:…]` wrappers are cut. The message itself stays whole in the record."""
    lines = [line for line in str((error or {}).get("message", "")).splitlines() if line.strip()]
    if not lines:
        return ""
    text = lines[0].strip()
    if text.endswith(":") or text.startswith(_GENERIC_HEADERS):
        body = [line.strip() for line in lines[1:] if not line[0].isspace() and not line.startswith(_NOISE_PREFIXES)]
        if body:
            text = body[0] if text.startswith(_GENERIC_HEADERS) or text == "Graph execution error:" \
                else f"{text} {body[0]}"
    text = re.sub(r"^\{\{function_node [^}]*\}\}\s*", "", text)
    return re.sub(r"\s*\[Op:[^\]]*\].*$", "", text).strip()


def error_line(record: Any) -> str:
    """'Type: informative line' of a record that raised, '' for one that did not."""
    if not record.error:
        return ""
    line = informative_line(record.error)
    return f"{record.error.get('type', 'error')}: {line}"[:300] if line else str(record.error.get("type", "error"))


def error_text(error: dict[str, Any] | None, limit: int = 300) -> str:
    """'Type: the line that explains it', for TF's "in user code:" (whose explanation is the indented last line,
    under the traceback) that last line, cut in the middle where too long (the end names the cause)."""
    if not error:
        return ""
    line = informative_line(error)
    if not line or line.endswith(":"):
        tail = [ln.strip() for ln in str(error.get("message", "")).splitlines() if ln.strip()]
        line = tail[-1] if tail else line
    text = line if line.startswith(f"{error.get('type')}:") else f"{error.get('type')}: {line}"
    return text if len(text) <= limit else f"{text[:limit // 3]} … {text[-(limit - limit // 3 - 3):]}"
