"""harness/env/requirements.py: the dependencies fitbench may add to an environment whose libraries are pinned,
and the era pins every environment gets."""
from __future__ import annotations

from harness.env import requirements as env
from harness.env.packages import req_name


def test_light_requirements_leave_the_pinned_libraries_alone():
    light = env.light_requirements()
    names = [req_name(r) for r in light]
    for pinned in ("tensorflow", "tf-keras", "transformers", "asv"):
        assert pinned not in names
    # era-bound packages come without the default install's bounds (tokenizers >= 0.19 would refuse
    # transformers 4.30's tokenizers < 0.14)
    assert "tokenizers" in light and "numpy" in light and "datasets" in light
    assert {"rich", "psutil", "matplotlib"} <= set(names)


def test_an_environment_gets_its_pins_the_era_pins_they_leave_and_the_light_dependencies():
    """One place for what an environment holds besides its pins (the asv matrix, bisect and the nightly alike):
    the era pins a pin does not name, and the light dependencies a pin does not name."""
    assert env.environment_requirements(["tensorflow==2.12.1", "numpy==1.24.3"], ["numpy", "rich"]) == [
        "tensorflow==2.12.1", "numpy==1.24.3", *env.DEFAULT_PINS, "rich"]
    assert env.environment_requirements(["pyarrow==20.0.0"], []) == ["pyarrow==20.0.0"]
