"""The matrix over several machines: the CI workflow (one job per environment, a merge that waits for all of
them), deterministic shards, and a merge of N machines' results that reports what one machine would."""
from __future__ import annotations

import copy
import importlib.util
import re
from pathlib import Path

import yaml

import cases
from harness.results.records import RunRecord
from harness.results.reading import read_records
from tests.conftest import ROOT

REFERENCE = sorted((ROOT / "results" / "reference").glob("cpu-*.jsonl"))[0]


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


asv_matrix, merge_matrix = _load("asv_matrix"), _load("merge_matrix")


def test_the_workflow_file_is_the_current_matrix_one_job_per_environment():
    path = ROOT / ".github" / "workflows" / "fitbench-matrix.yml"
    committed = yaml.safe_load(path.read_text())
    assert committed == yaml.safe_load(yaml.safe_dump(asv_matrix.workflow(list(asv_matrix.ENVIRONMENTS)))), \
        "the workflow is stale: python benchmarks/scripts/asv_matrix.py --workflow " + str(path.relative_to(ROOT))
    job = committed["jobs"]["environment"]
    assert job["strategy"]["matrix"]["environment"] == list(asv_matrix.ENVIRONMENTS)
    assert job["env"]["FITBENCH_ENVIRONMENT"] == "${{ matrix.environment }}"  # through env:, not spliced into run:
    assert any("--only \"$FITBENCH_ENVIRONMENT\"" in step.get("run", "") for step in job["steps"])
    assert any(step.get("uses", "").startswith("actions/upload-artifact") for step in job["steps"])
    merge = committed["jobs"]["merge"]
    assert merge["needs"] == "environment" and merge["if"] == "always()"
    assert any("merge_matrix.py" in step.get("run", "") for step in merge["steps"])


def test_shards_are_disjoint_complete_and_deterministic():
    names = list(asv_matrix.ENVIRONMENTS)
    for n in (1, 2, 3, 4, len(names) + 2):
        shards = [asv_matrix.shard(names, f"{i}/{n}") for i in range(1, n + 1)]
        assert sorted(sum(shards, [])) == sorted(names) and len(sum(shards, [])) == len(names)
        assert shards == [asv_matrix.shard(names, f"{i}/{n}") for i in range(1, n + 1)]
    for bad in ("0/3", "4/3", "x", "1/0"):
        try:
            asv_matrix.shard(names, bad)
        except ValueError as exc:
            assert "--shard" in str(exc)
        else:
            raise AssertionError(bad)


def _environment(records: list[RunRecord], tf: str, transformers: str, machine: str | None) -> list[RunRecord]:
    out = copy.deepcopy(records)
    for r in out:
        r.env = {**r.env, "versions": {**r.env["versions"], "tensorflow": tf, "transformers": transformers}}
        if machine:
            r.env["machine"] = machine
    return out


def _body(report: Path) -> str:
    """The report without its title line, which carries the time it was built."""
    return re.sub(r"^# fitbench compatibility report — .*$", "", report.read_text(), flags=re.M)


def test_merging_the_machines_results_reports_what_one_machine_running_them_all_would(tmp_path):
    reference = read_records([REFERENCE])
    envs = {"tf2.20-tr4.56": ("2.20.0", "4.56.0"), "tf2.21-tr4.57": ("2.21.0", "4.57.6"),
            "tf2.19-tr4.55": ("2.19.0", "4.55.0")}
    one, shards = tmp_path / "one" / "records", [tmp_path / "shard-a", tmp_path / "shard-b"]
    for i, (name, (tf, tr)) in enumerate(envs.items()):
        text = "".join(r.to_json() + "\n" for r in _environment(reference, tf, tr, "gpu-node-7"))
        for folder in (one, shards[i % 2] / "records"):
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{name}.jsonl").write_text(text)
    (shards[0] / "asv" / "gpu-node-7").mkdir(parents=True)
    (shards[0] / "asv" / "gpu-node-7" / "machine.json").write_text('{"machine": "gpu-node-7"}')
    assert merge_matrix.main([str(s) for s in shards] + ["--out", str(tmp_path / "merged")]) == 0
    from harness.report import write_report

    write_report(sorted(one.glob("*.jsonl")), tmp_path / "one" / "report", cases)
    merged, single = tmp_path / "merged" / "report" / "report.md", tmp_path / "one" / "report" / "report.md"
    assert _body(merged) == _body(single)
    # the column: versions, device, hardware (the CPU model), the machine
    assert re.search(r"TF 2\.19\.0 · tf-keras 2\.21\.0 · transformers 4\.55\.0 · cpu · [^|\n]+ · gpu-node-7",
                     merged.read_text())
    assert (tmp_path / "merged" / "asv" / "gpu-node-7" / "machine.json").exists()


def test_two_machines_with_the_same_versions_stay_two_columns():
    from harness.results.groups import env_key

    record = read_records([REFERENCE])[0]
    a, b = _environment([record], "2.21.0", "4.57.6", "h100-a")[0], _environment([record], "2.21.0", "4.57.6",
                                                                                   "h200-b")[0]
    assert env_key(a) != env_key(b) and env_key(a).endswith("· h100-a")
