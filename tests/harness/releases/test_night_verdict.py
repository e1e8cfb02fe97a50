"""The night's verdict end to end with fakes, in the user's direction: a release that breaks code that worked fails
the night and leads the report, bisected, with the fixes that still work; a companion that only followed its
partner is not bisected alone; a night over some cases compares those cases; performance suspects are re-measured
in both environments and count only when confirmed.

The fakes replay what a real night saw (results/nightly-transcripts/): keras3_callbacks under TF 2.15.1 · keras
2.15.0, then TF 2.16.1 · tf-keras 2.16.0 · keras 3.15.1, where a `tensorflow.keras` callback stops working."""
from __future__ import annotations

from pathlib import Path

import cases
from harness.commands import nightly as nightly_command
from harness.env.packages import version_key
from harness.results.records import JsonlWriter, RunRecord
from harness.results.reading import read_records
from tests.harness.env.fake_environment import fake_factory

CASE = "keras3_callbacks"
OTHER = "string_loss_on_logits"
MESSAGE = "'EarlyStopping' object has no attribute '_implements_train_batch_hooks'"


class Fakes:
    """An index with TF 2.15.1 (and, on the second night, 2.16.1), environments that are paths named after their
    TF, and records whose behaviour follows the TF they ran under (as measured on the real nights)."""

    def __init__(self, tf=("2.15.1",), slower_at: str | None = None):
        self.index = {"tensorflow": list(tf), "tf-keras": ["2.16.0"], "keras": ["2.15.0", "3.15.1"],
                      "transformers": ["4.57.6", "5.0.0"]}
        self.slower_at = slower_at        # from this TF on, every run takes 1.5× as long per step
        self.suites: list[list[tuple[str, str]]] = []
        self.bisected: list[tuple[str, str]] = []

    def list_versions(self, package, pre=False):
        return list(self.index[package])

    def build_env(self, requirements):
        tf = next(r.split("==")[1] for r in requirements if r.startswith("tensorflow=="))
        return Path(f"/fake/{tf}/bin/python"), None

    def record(self, case_id, variant, tf, device="cpu", sample=0):
        spec = cases.get(case_id).variant(variant)
        keras3 = version_key(tf) >= version_key("2.16")
        observed, error = "ok", None
        if case_id == CASE:
            if variant == "tensorflow_keras_callback" and keras3:
                observed, error = "keras_mismatch", {"type": "AttributeError", "message": MESSAGE}
            elif variant == "fix_callback_from_tf_keras" and not keras3:
                observed, error = "error", {"type": "ModuleNotFoundError", "message": "No module named 'tf_keras'"}
            elif variant == "fix_variable_set_before_python" and not keras3:
                observed, error = "unsupported", {"type": "ImportError",
                                                  "message": "Keras cannot be imported. Check that it is installed."}
        elif variant == "string_loss":
            observed = "plateau"
        slow = 1.5 if self.slower_at and version_key(tf) >= version_key(self.slower_at) else 1.0
        step = 0.02 * slow * (1 + 0.01 * (sample % 3))  # a small, repeatable spread between samples
        versions = {"tensorflow": tf, "tf-keras": "2.16.0" if keras3 else None,
                    "keras": "3.15.1" if keras3 else "2.15.0", "transformers": "4.57.6"}
        return RunRecord(case=case_id, variant=variant, role=spec.role, device=device, claim=spec.claims["cpu"],
                         says=spec.says, observed=observed, agrees=observed == spec.claims["cpu"],
                         fix_works=(observed == "ok") if spec.role == "fix" else None,
                         outcome="completed" if observed in ("ok", "plateau") else "error", error=error,
                         diagnostics={"failed_in": "imports"} if observed == "unsupported" else {},
                         metrics={} if observed == "unsupported" else {"step_time_median_s": step},
                         env={"versions": versions, "cpu": "Fake CPU", "cpu_count": 2})

    def run_suite(self, python, pairs, device, out):
        self.suites.append(list(pairs))
        writer = JsonlWriter(out)
        for n, (case_id, variant) in enumerate(pairs):
            writer.write(self.record(case_id, variant, python.parts[2], device, sample=len(self.suites) + n))
        return 0

    def run_variant(self, python, case_variant, device, out):
        self.bisected.append((case_variant, python.parts[2]))
        return self.record(*case_variant.split(":"), python.parts[2], device)

    def kwargs(self):
        environment = fake_factory(build=self.build_env, run_suite=self.run_suite, run_variant=self.run_variant,
                                   resolvable=lambda reqs: None)
        return dict(list_versions=self.list_versions, environment=environment,
                    release_notes=lambda p: f"https://example.invalid/{p}/v{{version}}", light=["rich"],
                    log=lambda line: None)


def night(tmp_path, fakes, within, selection=CASE):
    from harness.commands import build_parser

    args = build_parser().parse_args(["nightly", "--latest", "--within", within, "--cases", selection, "--device",
                                      "cpu", "--results", str(tmp_path / "nightly"), "--report-dir",
                                      str(tmp_path / "report"), "--compare-with", str(tmp_path / "none-*.jsonl")])
    return nightly_command.run(args, **fakes.kwargs())


def test_a_release_that_breaks_working_code_fails_the_night_and_leads_the_report(tmp_path, capsys):
    assert night(tmp_path, Fakes(), "tensorflow<2.16") == 0  # TF 2.15.1: the first night
    second = Fakes(tf=("2.15.1", "2.16.1"))
    assert night(tmp_path, second, "tensorflow<2.17") == 1
    out = capsys.readouterr().out
    compare = out[out.index("BEHAVIOUR REGRESSIONS"):]
    assert compare.startswith("BEHAVIOUR REGRESSIONS (1)")
    first = compare.splitlines()[1]
    assert first.startswith("  BREAKS  keras3_callbacks:tensorflow_keras_callback [cpu]  ok → keras_mismatch")
    assert "(tensorflow 2.15.1 → 2.16.1)" in first
    assert f"why: AttributeError: {MESSAGE}" in compare
    # the fixes that still work, from the case: both fixes train under TF 2.16.1
    assert "keras3_callbacks:fix_callback_from_tf_keras — from tf_keras.callbacks import EarlyStopping" in compare
    assert "keras3_callbacks:fix_variable_set_before_python — TF_USE_LEGACY_KERAS=1 before Python starts" in compare
    # the fixes that healed are said, apart, and do not fail anything
    assert compare.index("behaviour, other changes (2)") > compare.index("BREAKS")
    assert "heals   keras3_callbacks:fix_callback_from_tf_keras" in compare
    # only TensorFlow moved on its own: tf-keras and keras followed it and are not bisected alone
    assert "bisect tensorflow 2.15.1 → 2.16.1 (keras3_callbacks:tensorflow_keras_callback)" in out
    assert "bisect keras" not in out and "bisect tf-keras" not in out
    head = (tmp_path / "report" / "report.md").read_text()
    head = head[head.index("## New releases tonight"):]
    assert head.index("What breaks (1)") < head.index("Other behaviour changes (2)")
    assert "breaks: keras3_callbacks:tensorflow_keras_callback [cpu]: ok → keras_mismatch (tensorflow 2.15.1 → " \
           "2.16.1)" in head


def test_a_night_over_some_cases_compares_those_cases(tmp_path, capsys):
    fakes = Fakes()
    assert night(tmp_path, fakes, "tensorflow<2.16", selection=f"{CASE},{OTHER}") == 0
    assert night(tmp_path, Fakes(tf=("2.15.1", "2.16.1")), "tensorflow<2.17", selection=CASE) == 1
    out = capsys.readouterr().out
    verdict = out[out.index("baseline:"):]
    assert "COVERAGE LOST" not in verdict and "NOT RUN" not in verdict and OTHER not in verdict


def test_performance_suspects_are_re_measured_in_both_environments_and_confirmed(tmp_path, capsys):
    night(tmp_path, Fakes(), "tensorflow<2.16", selection=OTHER)
    slower = Fakes(tf=("2.15.1", "2.15.2"), slower_at="2.15.2")
    slower.index["keras"] = ["2.15.0"]
    assert night(tmp_path, slower, "tensorflow<2.16", selection=OTHER) == 3  # confirmed, no behaviour change
    out = capsys.readouterr().out
    assert "PERFORMANCE REGRESSIONS, confirmed (2)" in out and "re-measured: ratio 1.5" in out
    assert len(slower.suites) >= 1 + 2 * 3  # tonight's suite, then at least 3 paired rounds (the first look)
    rounds = sorted((tmp_path / "nightly" / "confirm").glob("*/*.jsonl"))
    assert {p.name.split("-")[0] for p in rounds} == {"baseline", "current"}


def test_the_same_numbers_again_are_not_a_performance_regression(tmp_path, capsys):
    night(tmp_path, Fakes(), "tensorflow<2.16", selection=OTHER)
    again = Fakes(tf=("2.15.1", "2.15.2"))
    again.index["keras"] = ["2.15.0"]
    code = night(tmp_path, again, "tensorflow<2.16", selection=OTHER)
    assert code == 0, capsys.readouterr().out
    records = read_records(list((tmp_path / "nightly").glob("tf2.15.2*.jsonl")))
    assert {r.observed for r in records} == {"ok", "plateau"}


def test_advice_fits_the_environment_it_names():
    from harness.releases.installability import likely_fix
    from harness.releases.bisect import Step

    record = Fakes().record(CASE, "fix_variable_set_before_python", "2.15.1")
    advice = likely_fix(Step("2.15.1", "ran", record.observed, record=record))
    assert "TF 2.15.1 honours TF_USE_LEGACY_KERAS=1" in advice and "≥ 2.16" not in advice
    record.env["versions"]["tensorflow"] = "2.18.0"
    assert "TF 2.18.0 needs tf-keras 2.18" in likely_fix(Step("2.18.0", "ran", record.observed, record=record))
