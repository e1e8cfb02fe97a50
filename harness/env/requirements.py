"""fitbench's own dependency layout, for environments whose TensorFlow / tf-keras / transformers are pinned, and
the era pins: the one place that says which requirements an environment gets besides its pins.

`light_requirements()` are the dependencies an environment may take from fitbench without moving its
TensorFlow / tf-keras / transformers (what the asv matrix, `fitbench bisect` and the nightly pin);
`environment_requirements()` puts pins, era pins and light dependencies together, for every kind of environment
(harness/env/environment.py). Era pins are few because environments resolve *as of* their pinned releases
(harness/env/asof.py): the era's numpy, pandas and pyarrow come from the date bound, not from a list here.
"""
from __future__ import annotations

from importlib import metadata
from pathlib import Path

from harness.env.packages import req_name

# The packages an asv matrix or a bisect pins: installing fitbench must never move them.
PINNED_BY_MATRIX = ("tensorflow", "tensorflow-cpu", "tf-keras", "keras", "transformers")
# Dependencies whose right version follows the era of the pinned ones (tokenizers of transformers' time, numpy
# < 2 for TF <= 2.16, ...): their lower bounds in pyproject.toml are the default install's, so drop them here.
ERA_BOUND = ("tokenizers", "datasets", "huggingface-hub", "numpy", "evaluate", "pandas")
# Not needed inside an environment that only runs variants
NOT_IN_WORKER_ENVS = ("asv", "uv")
# The era pins, for every environment: what a date bound cannot say. pyarrow >= 22 refuses numpy 1.x at import
# time (docs/asv.md), which no resolver can see; TF <= 2.16 needs numpy < 2, and an environment resolved against
# today's index (`--as-of today`) would get both. 21.x works with numpy 1.26 and 2.x. A pin of pyarrow replaces it.
DEFAULT_PINS = ("pyarrow<22",)


def project_requirements(root: Path | None = None) -> list[str]:
    """fitbench's `dependencies`, from the checkout's pyproject.toml (or the installed metadata)."""
    root = root or Path(__file__).resolve().parents[2]
    pyproject = root / "pyproject.toml"
    if pyproject.exists():
        import tomllib

        return list(tomllib.loads(pyproject.read_text())["project"]["dependencies"])
    return [r for r in (metadata.requires("fitbench") or []) if "extra ==" not in r]


def light_requirements(root: Path | None = None) -> list[str]:
    """The dependencies an environment with its own TF / tf-keras / transformers needs from fitbench."""
    out = []
    for req in project_requirements(root):
        name = req_name(req)
        if name in PINNED_BY_MATRIX or name in NOT_IN_WORKER_ENVS:
            continue
        out.append(name if name in ERA_BOUND else req)
    return out


def environment_requirements(pins: list[str], light: list[str] | None = None) -> list[str]:
    """Everything an environment built for `pins` (e.g. ["tensorflow==2.16.1", "tf-keras==2.16.0"]) installs:
    the pins, the default pins they do not override, and fitbench's light dependencies. The nightly, bisect and
    a re-measured side (harness/verdict/sides.py) build their environments from this."""
    pinned = {req_name(p) for p in pins}
    defaults = [p for p in DEFAULT_PINS if req_name(p) not in pinned]
    others = [r for r in (light_requirements() if light is None else light) if req_name(r) not in pinned]
    return [*pins, *defaults, *others]
