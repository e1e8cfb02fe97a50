"""The command line: one clear line and exit 2 on bad input; nothing written to results on failure."""
import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

REFERENCE = sorted((ROOT / "results" / "reference").glob("cpu-*.jsonl"))[0]  # real records, committed


def test_list_shows_every_case_and_variant():
    proc = run_cli("list")
    assert proc.returncode == 0
    import cases
    for case in cases.all_cases():
        for v in case.variants:
            assert f"{case.id}:{v.name}" in proc.stdout


@pytest.mark.parametrize("args,fragment", [
    (["run", "--cases", "no_such_case"], "unknown case 'no_such_case'"),
    (["run", "--cases", "initial_loss:nope"], "has no variant 'nope'"),
    (["run", "--device", "tpu"], "invalid choice: 'tpu'"),
    (["run", "--bogus"], "unrecognized arguments: --bogus"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_is_one_line_and_exit_2(args, fragment, tmp_path):
    proc = run_cli(*args, "--out", str(tmp_path / "r.jsonl")) if args[0] == "run" else run_cli(*args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr
    assert not (tmp_path / "r.jsonl").exists()


def test_missing_model_dir_fails_cleanly_without_results(tmp_path):
    proc = run_cli("run", "--model", "/no/such/dir", "--out", str(tmp_path / "r.jsonl"))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "--model embedded" in proc.stderr and not (tmp_path / "r.jsonl").exists()


def test_hub_data_without_network_fails_cleanly(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # no network here either way; offline mode makes it fail fast
    proc = run_cli("run", "--data", "glue/mnli", "--out", str(tmp_path / "r.jsonl"))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "--data embedded" in proc.stderr and not (tmp_path / "r.jsonl").exists()


def test_run_json_with_a_local_model_and_saved_data(tmp_path):
    """The real loading path end to end: a checkpoint and a dataset the test saved, one case, --json."""
    from harness.train.data import SyntheticNLIConfig, corpus, synthetic_mnli
    from harness.train.model import build_model, embedded_tokenizer

    data = synthetic_mnli(SyntheticNLIConfig(n_train=64, n_validation=16))
    data.save_to_disk(str(tmp_path / "data"))
    tok = embedded_tokenizer(corpus(data))
    model = build_model("embedded", "tiny", 3, len(tok), 0)
    model(model.dummy_inputs)
    model.save_pretrained(str(tmp_path / "model"))
    tok.save_pretrained(str(tmp_path / "model"))
    out = tmp_path / "r.jsonl"
    proc = run_cli("run", "--json", "--device", "cpu", "--cases", "initial_loss:correct",
                   "--model", str(tmp_path / "model"), "--data", str(tmp_path / "data"), "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    record = json.loads(proc.stdout.strip().splitlines()[-1])
    assert record["observed"] == "ok" and record["config"]["model"] == str(tmp_path / "model")
    for key in ("python", "tensorflow", "tf-keras", "keras", "transformers", "datasets", "evaluate", "numpy"):
        assert key in record["env"]["versions"]
    assert record["env"]["tf_build"] is not None and record["env"]["cpu"]
    assert record["seed"] == 0 and out.read_text().strip() == proc.stdout.strip().splitlines()[-1]


# --- bad input found by trying fitbench as a new user (issue 10) ------------------------------------------

def _one_line_exit_2(proc, fragment: str) -> None:
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fitbench: error: ") and fragment in lines[0], proc.stderr


def test_bare_fitbench_prints_the_usage_and_exits_2():
    proc = run_cli()
    assert proc.returncode == 2
    assert "usage: fitbench" in proc.stderr and "{list,run,report,compare" in proc.stderr


@pytest.mark.parametrize("out,fragment", [
    ("/proc/forbidden/x.jsonl", "cannot write results file /proc/forbidden/x.jsonl"),
    ("{tmp}", "is a directory"),
    ("{tmp}/a_file/x.jsonl", "is not a directory"),
])
def test_unwritable_out_path_fails_before_anything_runs(tmp_path, out, fragment):
    (tmp_path / "a_file").write_text("")
    out = out.format(tmp=tmp_path)
    proc = run_cli("run", "--device", "cpu", "--cases", "initial_loss:correct", "--out", out, timeout=120)
    _one_line_exit_2(proc, fragment.format(tmp=tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"] and (tmp_path / "a_file").read_text() == ""


@pytest.mark.parametrize("value", ["0", "-1", "nan", "soon"])
def test_timeout_must_be_a_positive_number_of_seconds(tmp_path, value):
    proc = run_cli("run", "--cases", "initial_loss:correct", "--timeout", value, "--out", str(tmp_path / "r.jsonl"))
    _one_line_exit_2(proc, "--timeout")
    assert not (tmp_path / "r.jsonl").exists()


def test_timeout_help_states_the_default():
    text = " ".join(run_cli("run", "--help").stdout.split())
    assert "default: the variant's own limit, 600 s" in text


def _corrupt_inputs(tmp_path: Path) -> dict[str, Path]:
    import os

    from tests.harness.results.test_records import _record

    good = json.loads(_record().to_json())
    files = {"random_bytes.jsonl": os.urandom(4096) + b"\n\xff\xfe",
             "env_string.jsonl": json.dumps({**good, "env": "cpu"}),
             "metrics_list.jsonl": json.dumps({**good, "metrics": [1, 2]}),
             "curve_string.jsonl": json.dumps({**good, "metrics": {"loss_per_step": "1.0 0.5"}}),
             "random_bytes.json": os.urandom(4096),
             "asv_rows_wrong.json": json.dumps({"params": {}, "results": {"benchmarks.A.track_agrees": {"x": 1}}}),
             "asv_params_wrong.json": json.dumps({"params": {"tensorflow": 2}, "results": {
                 "benchmarks.InitialLoss.track_observed_symptom": [[0], [["'correct'"]]]}, "commit_hash": 3})}
    paths = {}
    for name, content in files.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(content if isinstance(content, bytes) else content.encode() + b"\n")
    return paths


def test_report_on_corrupt_input_is_one_line_and_leaves_no_folder(tmp_path):
    from harness.commands import main

    good = tmp_path / "good.jsonl"
    good.write_text(REFERENCE.read_text())
    for name, path in _corrupt_inputs(tmp_path).items():
        if name.startswith("asv_"):
            continue  # an asv file the report can read in part is not corrupt; see the next test
        out = tmp_path / f"rep-{name}"
        proc = run_cli("report", str(good), str(path), "--out", str(out))
        _one_line_exit_2(proc, f"{path.name}:")  # the file, and for JSON lines the line
        assert not out.exists(), name
    assert main(["report", str(good), "--out", str(tmp_path / "fine")]) == 0


def test_report_on_oddly_shaped_asv_files_never_tracebacks(tmp_path):
    for name, path in _corrupt_inputs(tmp_path).items():
        if name.startswith("asv_"):
            proc = run_cli("report", str(path), "--out", str(tmp_path / f"rep-{name}"))
            assert proc.returncode in (0, 2) and "Traceback" not in proc.stderr, proc.stderr
            if proc.returncode == 2:
                _one_line_exit_2(proc, path.name)
                assert not (tmp_path / f"rep-{name}").exists()


def test_compare_on_corrupt_input_is_one_line(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text(REFERENCE.read_text())
    for name, path in _corrupt_inputs(tmp_path).items():
        if name.endswith(".jsonl"):
            _one_line_exit_2(run_cli("compare", str(good), str(path)), f"{path.name}:")
            _one_line_exit_2(run_cli("compare", str(path), str(good)), f"{path.name}:")


@pytest.mark.parametrize("option,path", [("--model", "/no/such/dir"), ("--model", "./no_such_dir"),
                                         ("--model", "~/no/such/dir"), ("--data", "/no/such/dir"),
                                         ("--data", "no/such/dir")])
def test_a_missing_directory_is_named_as_such(tmp_path, option, path):
    proc = run_cli("run", option, path, "--out", str(tmp_path / "r.jsonl"))
    _one_line_exit_2(proc, f"{option[2:]} directory {path} does not exist")
    assert f"{option} embedded" in proc.stderr and not (tmp_path / "r.jsonl").exists()


# --- what `run` prints, without running TensorFlow: run_pairs replaced by a fake --------------------------

def _fake_records() -> list:
    from harness.results.records import RunContext
    from tests.harness.results.test_records import _record

    return [_record(case="initial_loss", variant="correct", role="check", metrics={
                "final_loss": 0.5, "phases": {"spawn": 0.12, "imports": 2.9, "data": None, "teardown": 0.05}},
                context=RunContext(launcher="fork")),
            _record(case="initial_loss", variant="num_labels_2", role="check", observed="label_out_of_range",
                    claim="ok", agrees=False, fix_works=None, outcome="error",
                    error={"type": "ValueError", "message": "Column labels not found in dataset!"})]


def _fake_suite(monkeypatch, interrupt: bool):
    import harness.launch.runner

    def run_pairs(pairs, device, overrides=None, on_record=lambda r: None, on_start=lambda c, v: None,
                  timeout_s=None, **_):
        done = []
        for (case, variant), record in zip(pairs, _fake_records()):
            on_start(case, variant)
            on_record(record)
            done.append(record)
        if interrupt:
            raise KeyboardInterrupt
        return done

    monkeypatch.setattr(harness.launch.runner, "run_pairs", run_pairs)


def test_ctrl_c_prints_the_table_of_what_finished_and_the_results_path(tmp_path, monkeypatch, capsys):
    from harness.commands import main

    _fake_suite(monkeypatch, interrupt=True)
    out = tmp_path / "r.jsonl"
    code = main(["run", "--device", "cpu", "--cases", "initial_loss", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 130
    assert "initial_loss:correct" in captured.out and "initial_loss:num_labels_2" in captured.out
    assert f"results: {out}" in captured.out
    assert "fitbench: interrupted; records written so far are kept" in captured.err
    assert len(out.read_text().splitlines()) == 2


def test_output_to_a_pipe_says_when_each_variant_starts_and_ends(tmp_path, monkeypatch, capsys):
    from harness.commands import main

    _fake_suite(monkeypatch, interrupt=False)
    assert main(["run", "--device", "cpu", "--cases", "initial_loss", "--out", str(tmp_path / "r.jsonl")]) == 0
    err = capsys.readouterr().err.splitlines()
    starts = [line for line in err if "start" in line]
    assert [s.split()[-1] for s in starts[:2]] == ["initial_loss:correct", "initial_loss:from_logits_false"]
    assert err.index(starts[0]) < next(i for i, line in enumerate(err) if "initial_loss:correct →" in line)


def test_verbose_prints_each_records_phases(tmp_path, monkeypatch, capsys):
    from harness.commands import main

    _fake_suite(monkeypatch, interrupt=False)
    assert main(["run", "--verbose", "--device", "cpu", "--cases", "initial_loss", "--out",
                 str(tmp_path / "r.jsonl")]) == 0
    err = capsys.readouterr().err
    assert "phases (fork): spawn 0.12s · imports 2.90s · teardown 0.05s" in err
    assert "phases: not recorded" in err  # the second record has none


# issue 33: inputs that fail safe, help everywhere

def _only_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("fitbench: error:"), err
    return err[0]


def test_run_out_onto_a_file_that_is_not_records_is_refused_and_left_alone(tmp_path, capsys):
    from harness.commands import main

    notes = tmp_path / "afile.txt"
    notes.write_text("my notes\n")
    assert main(["run", "--cases", "initial_loss:correct", "--out", str(notes)]) == 2
    assert "is not a fitbench results file" in _only_line(capsys)
    assert notes.read_text() == "my notes\n"
    # --append does not make a text file a results file
    assert main(["run", "--cases", "initial_loss:correct", "--out", str(notes), "--append"]) == 2
    assert notes.read_text() == "my notes\n"


def test_run_out_onto_existing_records_needs_append(tmp_path, capsys):
    from harness.commands import main
    from harness.commands.common import check_results_out

    existing = tmp_path / "earlier.jsonl"
    existing.write_text(REFERENCE.read_text().splitlines()[0] + "\n")
    before = existing.read_text()
    assert main(["run", "--cases", "initial_loss:correct", "--out", str(existing)]) == 2
    line = _only_line(capsys)
    assert "already holds 1 fitbench record" in line and "--append" in line and str(existing) in line
    assert existing.read_text() == before
    check_results_out(existing, append=True)  # asked for: no objection
    (tmp_path / "empty.jsonl").write_text("")
    check_results_out(tmp_path / "empty.jsonl", append=False)  # nothing there to lose


@pytest.mark.parametrize("args", [["run", "--n-train", "0"], ["doctor", "--num-labels", "0"]])
def test_a_count_option_says_what_it_takes(capsys, args):
    """Issue 33: one error said "must be a positive int or None" (Python's words, not the command line's)."""
    from harness.commands import main

    assert main(args) == 2
    line = _only_line(capsys)
    assert args[1] in line and "whole number >= 1" in line and "None" not in line


def test_every_subcommand_has_a_description_and_every_option_help():
    import argparse

    from harness.commands import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    lacking = {name: [a.option_strings or a.dest for a in parser._actions
                      if not a.help and not isinstance(a, argparse._HelpAction)]
               for name, parser in sub.choices.items()}
    assert not {k: v for k, v in lacking.items() if v}, lacking
    assert all(parser.description for parser in sub.choices.values())
