"""The command line: one clear line and exit 2 on bad input; nothing written to results on failure."""
import json

import pytest

from tests.conftest import run_cli


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
    from harness.data import SyntheticNLIConfig, corpus, synthetic_mnli
    from harness.model import build_model, embedded_tokenizer

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
