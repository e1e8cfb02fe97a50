"""The doctor's wall times, measured: `fitbench doctor` run as a user runs it (a fresh process each, its start —
imports, the zygote — included) on the embedded default, on the README's pipeline (2 outputs for 3 classes), on a
string-label CSV, and on two pipelines of the corpus (tests/doctor_corpus/). Writes transcript.txt (each command
and its whole output) and timings.json here.

    flock /tmp/fitbench-cpu.lock .venv/bin/python results/doctor-2026-12-06/measure.py
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
HERE = Path(__file__).resolve().parent


def pipelines(tmp: Path) -> list[tuple[str, list[str]]]:
    from tests.doctor_corpus.pipelines import CORPUS, NAMES, csv, frame, model

    names = frame()
    names["label"] = [NAMES[i] for i in names["label"]]
    by_name = {e.name: e for e in CORPUS}
    return [
        ("the embedded default", []),
        ("the README's pipeline: a tiny checkpoint with 2 outputs, 3 classes",
         ["--model", str(model(tmp / "m2", num_labels=2)), "--data", str(csv(tmp / "readme", frame()))]),
        ("a string-label CSV, the 'adam' string",
         ["--model", str(model(tmp / "m3")), "--data", str(csv(tmp / "names", names)), "--optimizer", "adam"]),
        ("corpus: max_length_too_short", by_name["max_length_too_short"].broken(tmp / "c1" / "broken")),
        ("corpus: learning_rate_far_too_high", by_name["learning_rate_far_too_high"].broken(tmp / "c2" / "broken")),
    ]


def main() -> None:
    fitbench = str(ROOT / ".venv" / "bin" / "fitbench")
    records, transcript = [], []
    with tempfile.TemporaryDirectory(prefix="doctor-measure-") as tmp:
        for what, args in pipelines(Path(tmp)):
            shown = " ".join(["fitbench", "doctor", *args]).replace(tmp, "$TMP")
            start = time.perf_counter()
            done = subprocess.run([fitbench, "doctor", *args], capture_output=True, text=True, cwd=ROOT)
            wall = time.perf_counter() - start
            out = done.stdout.replace(tmp, "$TMP")
            records.append({"what": what, "command": shown, "exit": done.returncode, "wall_s": round(wall, 1),
                            "last_line": out.strip().splitlines()[-1] if out.strip() else ""})
            transcript += [f"$ {shown}", out.rstrip(), f"[exit {done.returncode}, wall {wall:.1f} s]", ""]
            print(f"{wall:6.1f} s  exit {done.returncode}  {what}", flush=True)
    from importlib.metadata import version

    meta = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": platform.processor() or
            platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version(),
            **{name: version(name) for name in ("tensorflow", "tf-keras", "transformers", "datasets")},
            "note": "a 2-core machine shared with other engineers; run whole under /tmp/fitbench-cpu.lock (no "
                    "other job holding the lock ran beside it; jobs that do not take it may have)"}
    (HERE / "transcript.txt").write_text("\n".join(transcript) + "\n")
    (HERE / "timings.json").write_text(json.dumps({"meta": meta, "runs": records}, indent=1) + "\n")


if __name__ == "__main__":
    main()
