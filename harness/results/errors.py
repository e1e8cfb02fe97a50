"""What a reader needs of an error: the informative line of a TF/Keras message, as one short string, the root
cause that errors of many runs share, and the line normalised as a behaviour's identity (harness/verdict/
behaviour.py identity): what differs between runs of one failure masked, what differs between two failures kept.

TF's messages open with a header ("Graph execution error:"), wrap the cause in node names and traceback frames,
and end with `[Op:…]`; the line that explains the failure is somewhere in between. A record keeps at most 4,000
characters of the message, and a graph error's definition trace alone is longer: where the cut took the
explanation away, the end of the traceback (`traceback_tail`, which ends with the message's own end) still has
it. The record keeps the whole message; tables, reports and bisect transcripts show this line.
"""
from __future__ import annotations

import re
from typing import Any

# lines of a TF/Keras message that say where, not what: node names, traceback frames, call-argument dumps, and
# the headers Python puts between chained exceptions
_NOISE_PREFIXES = ("Detected at node", "File ", "[[", "Call arguments received", "•", "Node: ", "Traceback (",
                   "The above exception", "During handling of")
_GENERIC_HEADERS = ("Exception encountered when calling layer",)
# headers that say nothing themselves: the line below them is the whole explanation
_HEADERS_ONLY = ("Graph execution error:", "in user code:")
MESSAGE_LIMIT = 4000  # characters of a message a record keeps (harness/launch/worker.py describe_error)
# tf.data's wrapper around an exception raised inside a dataset function: the wrapped exception is the cause
_DATASET_WRAPPER = re.compile(r"^Error in user-defined function passed to \S+ transformation with iterator: \S+: ")


def _explaining(lines: list[str]) -> list[str]:
    """The lines that say what happened: not indented (frames, source lines) and not a where-line."""
    return [line.strip() for line in lines if line.strip() and not line[0].isspace()
            and not line.strip().startswith(_NOISE_PREFIXES)]


def _clean(text: str) -> str:
    text = re.sub(r"^\{\{function_node [^}]*\}\}\s*", "", text.strip())
    text = _DATASET_WRAPPER.sub("", text)
    return re.sub(r"\s*\[Op:[^\]]*\].*$", "", text).strip()


def informative_line(error: dict[str, Any] | None) -> str:
    """The line of an error message a reader needs: "Column labels not found in dataset!", or, below a header
    such as "Graph execution error:" or "in user code:", the line that explains it, not traceback or a node name;
    TF's `{{function_node …}}` and `[Op:…]` wrappers and tf.data's "Error in user-defined function" prefix are
    cut. Where the stored message was cut before its explanation, the traceback's tail supplies it."""
    message = str((error or {}).get("message", ""))
    lines = [line for line in message.splitlines() if line.strip()]
    if not lines:
        return ""
    text = lines[0].strip()
    if text.endswith(":") or text.startswith(_GENERIC_HEADERS):
        found = _below_header(lines[1:], str((error or {}).get("traceback_tail") or ""),
                              len(message) >= MESSAGE_LIMIT)
        if found:
            text = found if text.startswith(_GENERIC_HEADERS) or text in _HEADERS_ONLY else f"{text} {found}"
    return _clean(text)


def _below_header(lines: list[str], tail: str, truncated: bool) -> str:
    """The explanation under a header: the first explaining line of the message; in a message cut at the
    record's limit, not its last (cut) line, and where none is left, the last explaining line of the traceback's
    tail (which ends where the message ends); under "in user code:", the indented last line."""
    body = _explaining(lines)
    if truncated and body and body[-1] == lines[-1].strip():
        body = body[:-1]
    if body:
        return body[0]
    ending = [line for line in _explaining(tail.splitlines()) if not line.endswith(":")]
    if truncated and ending:
        return ending[-1]
    last = lines[-1].strip() if lines else ""
    return last if last and not last.startswith(_NOISE_PREFIXES) else (ending[-1] if ending else "")


def error_line(record: Any) -> str:
    """'Type: informative line' of a record that raised, '' for one that did not."""
    if not record.error:
        return ""
    if not str(record.error.get("message") or "").strip():
        return str(record.error.get("type", "error"))
    return error_text(record.error, 300)


def error_text(error: dict[str, Any] | None, limit: int = 300) -> str:
    """'Type: the line that explains it', for TF's "in user code:" (whose explanation is the indented last line,
    under the traceback) that last line, cut in the middle where too long (the end names the cause)."""
    if not error:
        return ""
    line = informative_line(error)
    if not line or line.endswith(":"):
        tail = [ln.strip() for ln in str(error.get("message", "")).splitlines() if ln.strip()]
        line = _clean(tail[-1]) if tail else line
    text = line if line.startswith(f"{error.get('type')}:") else f"{error.get('type')}: {line}"
    return text if len(text) <= limit else f"{text[:limit // 3]} … {text[-(limit - limit // 3 - 3):]}"


def _without_run_noise(text: str) -> str:
    """`text` without what differs between two runs of the same code on the same release: object addresses,
    the batch's label values, generated function numbers (measured on the committed repeats)."""
    text = re.sub(r"0x[0-9a-fA-F]+", "0x…", text)
    text = re.sub(r"(Label values:)[\s\d-]+", r"\1 …", text)
    return re.sub(r"(_function)_\d+", r"\1", text).strip()


def root_cause(error: dict[str, Any] | None) -> str:
    """What errors of many runs have in common: error_text without what differs from run to run — object
    addresses, the batch's label values, generated function numbers. Errors with the same root cause are said
    once, with the variants and environments they cover."""
    return _without_run_noise(error_text(error, 10_000))


# what a message may say differently without saying something else: file paths (a venv's, a cache's), shapes and
# numbers (a batch's size, a label's value, a line number, a node id), quoted lists of numbers
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:/[\w.+@~-]+){2,}/?|\b[\w.-]+(?:/[\w.-]+)+\.py\b")
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?!x…)")
_NUMBERS = re.compile(r"#(?:[\s,;x]*(?:#|None))+|(?:None[\s,]*)+#(?:[\s,]*(?:#|None))*")
IDENTITY_LIMIT = 300  # characters of the normalised line an identity keeps, cut in the middle (the end names the cause)


def normalised_line(error: dict[str, Any] | None) -> str:
    """The informative line as a behaviour's identity: the same for every run of the same failure, different for
    a different failure. Object addresses, label values and generated ids go (root_cause), then paths become
    `<path>`, every number `#`, a run of numbers (a shape, a list of labels) one `#…`. "Column labels not found in
    dataset!" and "all input arrays must have the same shape" stay two lines; two batches' label values, two
    venvs' paths and two shapes of one mismatch are one."""
    if not error:
        return ""
    text = _without_run_noise(informative_line(error) or str(error.get("message") or ""))
    text = text.removeprefix(f"{error.get('type')}: ")  # the type is the identity's own part
    text = _PATH.sub("<path>", text)
    text = _NUMBERS.sub("#…", _NUMBER.sub("#", text))
    text = re.sub(r"\s+", " ", text).strip()
    head = IDENTITY_LIMIT // 3
    return text if len(text) <= IDENTITY_LIMIT else f"{text[:head]} … {text[-(IDENTITY_LIMIT - head - 3):]}"
