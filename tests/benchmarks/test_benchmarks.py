"""The asv benchmark module: imports without the ML stack, declares what asv needs, and reads records right."""
from __future__ import annotations

import importlib
import inspect
import math
import shutil
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from harness.results import asv_names
from harness.results.records import RunRecord

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("tensorflow", "tf_keras", "keras", "transformers", "datasets", "evaluate", "numpy", "torch")


@pytest.fixture(scope="module")
def bm():
    return importlib.import_module("benchmarks.benchmarks")


def tracks(bm):
    """(class, method name, function) of every track_ that asv sees (it skips module names starting with _)."""
    out = []
    for name, cls in inspect.getmembers(bm, inspect.isclass):
        if cls.__module__ != bm.__name__ or name.startswith("_"):
            continue
        for name, func in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("track_"):
                out.append((cls, name, func))
    return out


def make_record(case, variant, role="broken", observed="ok", claim="ok", agrees=True, fix_works=None,
                metrics=None, outcome="completed"):
    data = dict(case=case, variant=variant, role=role, device="cpu", claim=claim, says="", observed=observed,
                agrees=agrees, fix_works=fix_works, outcome=outcome, metrics=metrics or {})
    return RunRecord.from_dict(data)


@pytest.fixture()
def records():
    return [
        make_record("string_loss_on_logits", "string_loss", observed="plateau", claim="plateau",
                    metrics={"final_loss": 1.0986, "steps_to_threshold": None, "seconds_to_threshold": None,
                             "samples_per_s": 512.5, "time_to_first_step_s": 3.25, "rss_peak_mib": 1024.0}),
        make_record("string_loss_on_logits", "fix_from_logits", role="fix", fix_works=True,
                    metrics={"final_loss": 0.25, "steps_to_threshold": 17, "seconds_to_threshold": 4.5,
                             "nvml_process_peak_mib": 2048, "rss_peak_mib": 900}),
        make_record("initial_loss", "num_labels_2", observed="label_out_of_range", claim="nan_loss", agrees=False,
                    outcome="error"),
        make_record("num_labels_mismatch", "fix_num_labels_3", role="fix", observed="error", agrees=False,
                    fix_works=False),
    ]


def test_import_pulls_in_no_ml_library():
    code = ("import sys, benchmarks.benchmarks; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_every_track_declares_params_unit_version_timeout(bm):
    import cases

    found = tracks(bm)
    assert {cls.case_id for cls, _, _ in found} == set(cases.CASE_IDS)  # one class per case
    names = {name for _, name, _ in found}
    assert {"track_agrees", "track_fix_works", "track_steps_to_threshold", "track_seconds_to_threshold",
            "track_final_loss", "track_samples_per_s", "track_peak_vram_mib", "track_rss_peak_mib",
            "track_time_to_first_step_s"} <= names
    for cls, name, func in found:
        case = cases.get(cls.case_id)
        assert cls.params == [[v.name for v in case.variants]], (cls, name)  # only pairs that exist
        assert cls.param_names == ["variant"], name
        assert cls.__name__ == asv_names.class_name(case.id)
        assert isinstance(getattr(func, "unit", None), str) and func.unit, name
        assert isinstance(getattr(func, "version", None), str) and func.version, name
        assert getattr(func, "timeout", 0) > 0, name
        assert func.__doc__, name
    # one setup_cache for all: asv keys the cache on the function's source line, so it runs once per environment
    caches = {cls.setup_cache for cls, _, _ in found}
    assert len(caches) == 1
    assert next(iter(caches)).timeout >= 1800  # covers a whole suite run


def test_tracks_read_the_numbers(bm, records):
    sl, il, nl = bm.StringLossOnLogits(), bm.InitialLoss(), bm.NumLabelsMismatch()
    assert sl.track_agrees(records, "string_loss") == 1.0
    assert il.track_agrees(records, "num_labels_2") == 0.0
    assert il.track_observed_symptom(records, "num_labels_2") == float(bm.SYMPTOM_NUMBERS["label_out_of_range"])
    assert sl.track_observed_symptom(records, "string_loss") == float(bm.SYMPTOM_NUMBERS["plateau"])
    assert sl.track_fix_works(records, "fix_from_logits") == 1.0
    assert nl.track_fix_works(records, "fix_num_labels_3") == 0.0
    assert sl.track_final_loss(records, "string_loss") == pytest.approx(1.0986)
    assert sl.track_steps_to_threshold(records, "fix_from_logits") == 17.0
    assert sl.track_seconds_to_threshold(records, "fix_from_logits") == 4.5
    assert sl.track_samples_per_s(records, "string_loss") == 512.5
    assert sl.track_time_to_first_step_s(records, "string_loss") == 3.25
    assert sl.track_peak_vram_mib(records, "fix_from_logits") == 2048.0
    assert sl.track_rss_peak_mib(records, "string_loss") == 1024.0
    assert sl.track_rss_peak_mib(records, "fix_from_logits") == 900.0  # an int metric comes back as float


def test_missing_metrics_are_nan(bm, records):
    sl, il = bm.StringLossOnLogits(), bm.InitialLoss()
    assert math.isnan(sl.track_steps_to_threshold(records, "string_loss"))  # None: never reached
    assert math.isnan(sl.track_peak_vram_mib(records, "string_loss"))  # absent (a CPU run)
    assert math.isnan(il.track_samples_per_s(records, "num_labels_2"))  # an errored run has no throughput
    assert math.isnan(il.track_final_loss(records, "correct"))  # no record at all
    assert math.isnan(il.track_agrees(records, "correct"))
    assert math.isnan(il.track_observed_symptom(records, "correct"))


def test_skips_invalid_pairs_non_fixes_and_unselected_cases(bm, records, monkeypatch):
    monkeypatch.delenv("FITBENCH_ASV_CASES", raising=False)
    bm.InitialLoss().setup(records, "correct")  # a real pair: no skip
    with pytest.raises(NotImplementedError):
        bm.InitialLoss().setup(records, "string_loss")  # a variant of another case
    with pytest.raises(NotImplementedError):  # asv_runner's SkipNotImplemented is a NotImplementedError
        bm.StringLossOnLogits().track_fix_works(records, "string_loss")  # broken, not a fix
    monkeypatch.setenv("FITBENCH_ASV_CASES", "string_loss_on_logits")
    bm.StringLossOnLogits().setup(records, "string_loss")
    with pytest.raises(NotImplementedError):
        bm.InitialLoss().setup(records, "correct")
    monkeypatch.setenv("FITBENCH_ASV_CASES", "string_loss_on_logits,nope")
    with pytest.raises(ValueError, match="nope"):
        bm.selected_cases()


def test_setup_cache_runs_the_cli_once_and_parses_its_records(bm, monkeypatch, tmp_path):
    """setup_cache's command line, with the suite itself stubbed: the real run is asv's (and CI's) business."""
    seen = {}
    record = make_record("initial_loss", "correct")

    def fake_run(cmd, cwd=None, env=None, stdout=None, stderr=None, **_):
        assert "-c" in cmd, cmd   # only the import probe: the suite itself is a Popen (harness/env/suite_process.py)
        return subprocess.CompletedProcess(cmd, 0)

    class FakeSuite:
        returncode = 0

        def __init__(self, cmd, **_):
            seen["cmd"] = cmd
            Path(cmd[cmd.index("--out") + 1]).write_text(record.to_json() + "\n")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def wait(self, timeout=None):
            return 0

        def poll(self):
            return 0

    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setattr(subprocess, "Popen", FakeSuite)
    monkeypatch.setenv("FITBENCH_ASV_CASES", "initial_loss")
    monkeypatch.setenv("FITBENCH_ASV_DEVICE", "cpu")
    records = bm.InitialLoss().setup_cache()
    assert records == [record]
    cmd = seen["cmd"]
    assert cmd[:4] == [sys.executable, "-m", "harness", "run"]
    assert "--json" in cmd and cmd[cmd.index("--cases") + 1] == "initial_loss"
    assert cmd[cmd.index("--device") + 1] == "cpu"


def test_record_fields_used_exist_in_runrecord():
    names = {f.name for f in fields(RunRecord)}
    assert {"case", "variant", "role", "observed", "agrees", "fix_works", "metrics"} <= names


@pytest.mark.skipif(shutil.which("asv") is None and not (Path(sys.executable).parent / "asv").exists(),
                    reason="asv not installed")
def test_asv_check_passes():
    asv = shutil.which("asv") or str(Path(sys.executable).parent / "asv")
    out = subprocess.run([asv, "check", "--python=same"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "No problems found" in out.stdout + out.stderr


def test_cost_tracks_read_wall_time_and_phases(bm):
    records = [make_record("string_loss_on_logits", "string_loss",
                           metrics={"phases": {"imports": 0.5, "steady_steps": 2.0}, "mfu": 0.31}),
               make_record("string_loss_on_logits", "fix_from_logits", outcome="skipped")]
    records[0].wall_s, records[1].wall_s = 7.5, 0.0
    sl = bm.StringLossOnLogits()
    assert sl.track_wall_s(records, "string_loss") == 7.5
    assert sl.track_fixed_cost_s(records, "string_loss") == 5.5
    assert sl.track_mfu(records, "string_loss") == 0.31
    assert math.isnan(sl.track_wall_s(records, "fix_from_logits"))  # a skipped variant costs nothing to track
    assert math.isnan(sl.track_fixed_cost_s(records, "fix_from_logits"))  # no phases
