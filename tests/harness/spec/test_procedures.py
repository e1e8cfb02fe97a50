"""Each procedure's typed settings (harness/spec/procedures.py): read from RunConfig.extra with their defaults,
checked when a RunConfig, a Variant or a Case is built, errors that name the setting, the procedure and the value."""
from __future__ import annotations

import pytest

from harness.spec import Case, Variant
from harness.spec.config import PROCEDURES, RunConfig
from harness.spec.procedures import (NAMES, SPECS, CheckupJob, DoctorSettings, FitSettings, InitialLossSettings,
                                     MemoryGrabSettings, OomSettings, PrecisionSettings)

OK = {"cpu": "ok", "gpu": "ok"}


def test_defaults_are_what_the_procedures_read_without_a_setting():
    assert RunConfig().settings() == FitSettings(diagnose_nan=False)
    assert RunConfig(procedure="initial_loss").settings() == InitialLossSettings(batches=4, rel_tolerance=0.2)
    assert RunConfig(procedure="oom").settings() == OomSettings(seq_len=128, find_batch_size=None)
    assert RunConfig(procedure="memory_grab").settings() == MemoryGrabSettings(grab_fraction=0.5)
    assert RunConfig(procedure="precision").settings() == PrecisionSettings(seq_len=128, warmup_steps=5,
                                                                            steps_per_execution=1)
    assert RunConfig(procedure="doctor").settings() == DoctorSettings(doctor=None)
    tuned = RunConfig(procedure="precision", extra={"steps_per_execution": 8})
    assert tuned.settings(PrecisionSettings).steps_per_execution == 8 and tuned.extra == {"steps_per_execution": 8}


def test_the_config_knows_the_names_the_registry_declares():
    assert PROCEDURES == NAMES == tuple(SPECS) and all(SPECS[n].settings.procedure == n for n in NAMES)


@pytest.mark.parametrize("procedure,extra,message", [
    ("memory_grab", {"grab_fraction": "x"},
     "RunConfig.extra['grab_fraction'] for procedure 'memory_grab' must be a number in (0, 1), got 'x'"),
    ("memory_grab", {"grab_fraction": 1.5}, "must be a number in (0, 1), got 1.5"),
    ("initial_loss", {"batches": 0}, "extra['batches'] for procedure 'initial_loss' must be a positive int, got 0"),
    ("initial_loss", {"rel_tolerance": -1}, "'rel_tolerance'] for procedure 'initial_loss' must be a number above 0"),
    ("fit", {"diagnose_nan": "yes"}, "RunConfig.extra['diagnose_nan'] for procedure 'fit' must be true or false"),
    ("oom", {"find_batch_size": "bisect"}, "must be None or one of ['predict', 'halving'], got 'bisect'"),
    ("precision", {"steps_per_execution": 0}, "'steps_per_execution'] for procedure 'precision' must be a positive"),
    ("precision", {"warmup_steps": True}, "'warmup_steps'] for procedure 'precision' must be an int >= 0, got True"),
    ("doctor", {"doctor": "job.json"}, "'doctor'] for procedure 'doctor' must be a checkup job (a dict), got 'job."),
])
def test_a_bad_setting_names_itself_its_procedure_and_its_value(procedure, extra, message):
    with pytest.raises(ValueError) as err:
        RunConfig(procedure=procedure, extra=extra)
    assert message in str(err.value)


def test_an_unknown_setting_names_the_known_ones():
    with pytest.raises(ValueError) as err:
        RunConfig(procedure="memory_grab", extra={"grab_fractoin": 0.5})
    assert str(err.value) == ("RunConfig.extra['grab_fractoin'] is not a setting of procedure 'memory_grab' "
                              "(its settings: ['grab_fraction'])")
    with pytest.raises(ValueError, match="not a setting of procedure 'overfit' \\(its settings: none\\)"):
        RunConfig(procedure="overfit", extra={"diagnose_nan": True})  # a setting of another procedure
    with pytest.raises(ValueError, match="RunConfig.extra must be a dict"):
        RunConfig(extra=["seq_len"])


def test_a_variant_checks_its_settings_against_its_procedure_or_any_that_has_them():
    """A variant's knobs may leave the procedure to its case's base: its settings must then be some procedure's,
    and valid there; the case checks the whole config of each variant."""
    Variant("v", "fix", {"extra": {"find_batch_size": "predict"}}, claims=OK, says="")  # oom's, named by the base
    with pytest.raises(ValueError, match="'find_batch_sise'\\] is no procedure's setting \\(known: \\[.*'grab_"):
        Variant("v", "fix", {"extra": {"find_batch_sise": "predict"}}, claims=OK, says="")
    with pytest.raises(ValueError, match="'grab_fraction'\\] for procedure 'memory_grab' must be a number in "
                                         "\\(0, 1\\), got 'x'"):
        Variant("v", "fix", {"extra": {"grab_fraction": "x"}}, claims=OK, says="")
    with pytest.raises(ValueError, match="not a setting of procedure 'overfit'"):
        Variant("v", "fix", {"procedure": "overfit", "extra": {"seq_len": 16}}, claims=OK, says="")
    fits = Variant("v", "fix", {"extra": {"seq_len": 16}}, claims=OK, says="")
    Case("c", "t", "x", (fits,), base={"procedure": "precision"})
    with pytest.raises(ValueError, match="Case 'c', variant 'v': RunConfig.extra\\['seq_len'\\] is not a setting of "
                                         "procedure 'fit'"):
        Case("c", "t", "x", (fits,))


def test_the_doctors_job_is_typed_and_its_missing_or_unknown_fields_are_named():
    job = {"journal": "/tmp/j", "checks": ["labels"], "label": "label", "text": ["premise"], "split": "train",
           "max_length": None, "facts": {"a": 1}, "budget": {"steps": 5}}
    settings = RunConfig(procedure="doctor", extra={"doctor": job}).settings(DoctorSettings)
    assert settings.doctor == CheckupJob(**job) and settings.doctor.budget == {"steps": 5}
    with pytest.raises(ValueError, match="extra\\['doctor'\\] for procedure 'doctor'\\['journal'\\] is missing"):
        RunConfig(procedure="doctor", extra={"doctor": {k: v for k, v in job.items() if k != "journal"}})
    with pytest.raises(ValueError, match="\\['bugdet'\\] is not a field of a checkup job"):
        RunConfig(procedure="doctor", extra={"doctor": {**job, "bugdet": {}}})
    with pytest.raises(ValueError, match="\\['checks'\\] must be a list, got 'labels'"):
        RunConfig(procedure="doctor", extra={"doctor": {**job, "checks": "labels"}})


def test_the_record_keeps_the_settings_as_written_and_round_trips():
    cfg = RunConfig(procedure="oom", extra={"find_batch_size": "halving"})
    assert cfg.to_dict()["extra"] == {"find_batch_size": "halving"}
    assert RunConfig.from_dict(cfg.to_dict()) == cfg and cfg.settings().seq_len == 128
