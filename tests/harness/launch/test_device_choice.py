"""`--device auto` on a machine whose GPU the installed TensorFlow cannot use (a plain `pip install -e .` there):
one line before anything runs, what to install, and the CPU — said in the table and in every record — instead of
an error record per variant. NVML is faked (the FakeNVML pattern of tests/harness/train/test_trackers.py); nothing
here imports TensorFlow or runs a variant."""
from __future__ import annotations

from types import SimpleNamespace

from harness.launch import device_choice
from harness.launch.device_choice import choose_device, tensorflow_gpu_problem, tf_build_info
from harness.launch.runner import resolve_device
from harness.results.records import RunRecord
from harness.results.reading import read_records

MiB = 1024 * 1024
CUDA = {"is_cuda_build": True, "cuda_version": "12.5.1", "cudnn_version": "9"}


class FakeNVML:
    """The pynvml calls harness.env.describe.gpus makes, for one H200."""

    def nvmlInit(self):
        pass

    def nvmlSystemGetDriverVersion(self):
        return "580.159.04"

    def nvmlDeviceGetCount(self):
        return 1

    def nvmlDeviceGetHandleByIndex(self, i):
        return f"handle{i}"

    def nvmlDeviceGetName(self, handle):
        return b"NVIDIA H200"

    def nvmlDeviceGetMemoryInfo(self, handle):
        return SimpleNamespace(total=143771 * MiB, used=0)


class NoGPU(FakeNVML):
    def nvmlDeviceGetCount(self):
        return 0


def test_a_gpu_tensorflow_cannot_use_falls_back_to_cpu_with_what_to_install():
    device, why = choose_device("auto", FakeNVML(), problem=lambda: "TensorFlow finds no CUDA 12 libraries (cudnn)")
    assert device == "cpu"
    assert "NVIDIA H200" in why and "cudnn" in why and "pip install -e '.[gpu]'" in why and "\n" not in why


def test_a_usable_gpu_or_none_or_an_explicit_device_is_taken_as_is():
    assert choose_device("auto", FakeNVML(), problem=lambda: None) == ("gpu", "")
    assert choose_device("auto", NoGPU(), problem=lambda: "never asked") == ("cpu", "")
    assert choose_device("gpu", NoGPU()) == ("gpu", "")


def test_resolve_device_says_it_in_one_line_on_stderr(monkeypatch, capsys):
    monkeypatch.setattr(device_choice, "tensorflow_gpu_problem", lambda: "TensorFlow 2.21.0 is built without CUDA")
    assert resolve_device("auto", FakeNVML()) == "cpu"
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("fitbench: NVML sees NVIDIA H200") and "'.[gpu]'" in err[0]


def test_the_tensorflow_check_reads_build_info_and_the_cuda_libraries():
    assert "built without CUDA" in tensorflow_gpu_problem({"is_cuda_build": False})
    missing = tensorflow_gpu_problem(CUDA, installed=lambda name: name == "nvidia-cublas-cu12",
                                     find_library=lambda lib: "libcudart.so.12" if lib == "cudart" else None)
    assert "CUDA 12" in missing and "cudnn" in missing and "cublas" not in missing and "cudart" not in missing
    assert tensorflow_gpu_problem(CUDA, installed=lambda name: True, find_library=lambda lib: None) is None
    info = tf_build_info()  # this machine's TensorFlow, read as a file: TensorFlow itself is never imported
    assert info is None or "is_cuda_build" in info


def test_run_falls_back_before_anything_runs_and_says_so_in_table_and_records(monkeypatch, tmp_path, capsys):
    from harness.commands import main, run as run_command
    from harness.launch import runner

    monkeypatch.setattr(device_choice, "gpus", lambda nvml=None: [{"name": "NVIDIA H200", "memory_total_mib": 143771}])
    monkeypatch.setattr(device_choice, "tensorflow_gpu_problem", lambda: "TensorFlow 2.21.0 finds no CUDA 12 "
                                                                         "libraries (cudart, cudnn)")
    monkeypatch.setattr(run_command, "preflight", lambda model, data: None)
    seen = []

    def fake_run_pairs(pairs, device, overrides=None, on_record=lambda r: None, on_start=lambda c, v: None, **kw):
        seen.append(device)
        for case, variant in pairs:
            on_start(case, variant)
            on_record(RunRecord(case=case.id, variant=variant.name, role=variant.role, device=device,
                                claim="ok", says="", observed="ok", agrees=True, fix_works=None,
                                outcome="completed"))
        return []

    monkeypatch.setattr(runner, "run_pairs", fake_run_pairs)
    out = tmp_path / "r.jsonl"
    assert main(["run", "--cases", "initial_loss:correct", "--device", "auto", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    said = [line for line in captured.err.splitlines() if line.startswith("fitbench:")]
    assert len(said) == 1 and "running on CPU" in said[0] and "'.[gpu]'" in said[0]
    assert seen == ["cpu"] and "auto fell back" in captured.out
    [record] = read_records([out])
    assert record.device == "cpu" and any("--device auto ran this on CPU" in n for n in record.notes)
