"""Every committed record reads through the migration: whatever schema a results file under results/ was written
with, the reader hands back current records (registered metrics only), and no measurement is lost on the way."""
import json
import subprocess
from dataclasses import asdict
from pathlib import Path

import pytest

from harness.results import context, metrics
from harness.results.migrate import SCHEMA, migrate_1_to_2, upgrade
from harness.results.reading import read_records
from tests.conftest import ROOT

# JSON-lines files under results/ that hold no records, and what they are instead
NOT_RECORDS = {"trials.jsonl": "the verdict detector's trial log (benchmarks/scripts/verdict_detector.py)"}


def committed_jsonl() -> list[Path]:
    """The .jsonl files of the commit (files another run is writing into this checkout are not evidence)."""
    try:
        names = subprocess.run(["git", "ls-files", "results/*.jsonl"], cwd=ROOT, capture_output=True, text=True,
                               check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        names = []
    # an export without its history (no .git, or not tracked): what is there is what was shipped
    return [ROOT / name for name in names] or sorted((ROOT / "results").rglob("*.jsonl"))


FILES = [p for p in committed_jsonl() if p.name not in NOT_RECORDS]


def _raw(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_the_files_left_out_are_not_records():
    left_out = [p for p in committed_jsonl() if p.name in NOT_RECORDS]
    assert left_out and all("case" not in row and "metrics" not in row for p in left_out for row in _raw(p))


def test_every_committed_record_reads_as_the_current_schema_with_registered_metrics_only():
    assert len(FILES) > 100  # results/ is there: a path mistake must not make this pass on nothing
    on_disk, read = set(), 0
    for path in FILES:
        raw = _raw(path)
        records = read_records([path])
        assert len(records) == len(raw), path
        for row, record in zip(raw, records):
            on_disk.add(row.get("schema"))
            assert record.schema == SCHEMA, path
            unknown = [k for k in record.metrics if metrics.get(k) is None]
            assert not unknown, f"{path}: {record.case}:{record.variant} keeps {unknown} in metrics"
            if row.get("schema", 1) == 1:
                now = {"metrics": record.metrics, "diagnostics": record.diagnostics, "context": asdict(record.context)}
                _nothing_lost(row["metrics"], now, f"{path}: {record.case}:{record.variant}")
            read += 1
    assert read > 1000 and 1 in on_disk  # the committed files are older than the schema: the migration ran


def _nothing_lost(old: dict, new: dict, where: str) -> None:
    """Each key of a schema-1 record's `metrics` comes back, with its value, in exactly one of metrics,
    diagnostics and context (compared as JSON: a NaN is the same NaN)."""
    for key, value in old.items():
        places = [name for name in ("metrics", "diagnostics", "context")
                  if key in new[name] and json.dumps(new[name][key]) == json.dumps(value)]
        assert len(places) == 1, (where, key, places)


def test_the_migration_sorts_each_key_by_what_it_is():
    row = {"case": "c", "schema": 1, "metrics": {"final_loss": 0.1, "ran_alone": True, "first_step": {},
                                                 "launcher": "fork", "mfu_note": "cpu", "strategy": "predict"}}
    moved = migrate_1_to_2(row)
    assert moved["metrics"] == {"final_loss": 0.1, "first_step": {}}
    assert moved["context"] == {"ran_alone": True, "launcher": "fork"}
    assert moved["diagnostics"] == {"mfu_note": "cpu", "strategy": "predict"} and moved["schema"] == 2
    assert row["metrics"]["launcher"] == "fork"  # the record as read is left as it was


def test_a_current_record_is_not_touched_and_every_older_schema_has_its_step():
    current = {"schema": SCHEMA, "metrics": {"x": 1}, "diagnostics": {}, "context": {}}
    assert upgrade(current) is current
    assert set(context.KEYS) == set(context.FIELD_TYPES)  # every context field has its JSON type


def test_every_committed_asv_results_file_reads_as_current_records():
    """asv keeps numbers by track name, not records: read back through the registry they are current records too,
    whatever fitbench wrote the tracks (a track's metric is looked up in today's registry)."""
    import cases
    from harness.results.asv_results import ASV_NOT_RESULTS

    files = [p for p in (ROOT / "results").glob("asv*/**/*.json")
             if p.name not in ASV_NOT_RESULTS and p.parent.name != "report"]
    assert len(files) > 10
    records = read_records(files, registry=cases)
    assert records and all(r.schema == SCHEMA for r in records)
    assert {k for r in records for k in r.metrics} <= set(metrics.BY_NAME)
