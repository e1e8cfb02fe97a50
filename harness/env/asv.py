"""The asv environment: the virtualenv asv makes for one matrix entry, filled by the one builder.

asv creates the virtualenv and installs the entry's `req` pins (one `pip install` each, in order: TensorFlow
first, a deliberately mismatched pin with `--no-deps`); then its install step installs fitbench's wheel without
dependencies and runs `python -m harness.env install-light` there, which is `AsvEnvironment().build()`:
fitbench's light dependencies and the entry's pins again, resolved together by harness/env/build.py *as of the
newest pinned release's upload* (harness/env/asof.py), so numpy, pandas, pyarrow, datasets … are the ones of the
entry's era, with no era pins written by hand. Pins given with flags (`==2.18.0 --no-deps`) stay out of the
resolution and are held where they are. `install-cuda` adds TensorFlow's CUDA libraries the same way.

The commands asv and the CI workflow run are written here too (`install_commands`, `RUNNER_SETUP`), so that
every place an environment is made is under harness/env/.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from harness.env.build import install_into, read_record
from harness.env.environment import CurrentInterpreter, EnvSpec, Resolution, cached_release_dates
from harness.env.index import ReleaseDates

# asv's steps after its own `req` pins: fitbench's wheel without its dependencies (they would pull TF 2.21 +
# tf-keras over the pins), then the light dependencies resolved around the pins (AsvEnvironment.build)
BUILD_COMMAND = "python -m pip wheel --no-deps -w {build_cache_dir} {build_dir}"
INSTALL_WHEEL = "in-dir={env_dir} python -m pip install --force-reinstall --no-deps {wheel_file}"
INSTALL_LIGHT = "in-dir={env_dir} python -m harness.env install-light"
# asv 0.6's pin parser drops extras ("tensorflow[and-cuda] 2.15.1" installs plain tensorflow): the CUDA libraries
# come after the pins, at the installed TF version
INSTALL_CUDA = "in-dir={env_dir} python -m harness.env install-cuda"
UNINSTALL = "return-code=any python -m pip uninstall -y fitbench"
# the CI runner's own fitbench (asv and uv with it), and the merge job's
RUNNER_SETUP = "python3 -m venv .venv && .venv/bin/pip install -e '.[gpu,test]'"
MERGE_SETUP = "python3 -m venv .venv && .venv/bin/pip install -e ."


def install_commands(gpu: bool) -> dict[str, list[str]]:
    """asv.conf.json's build_command / install_command / uninstall_command."""
    return {"build_command": [BUILD_COMMAND],
            "install_command": [INSTALL_WHEEL, INSTALL_LIGHT, *([INSTALL_CUDA] if gpu else [])],
            "uninstall_command": [UNINSTALL]}


def asv_pins(env_dir: str | None = None) -> tuple[list[str], list[str]]:
    """(pins, forced) of the asv environment being built ($ASV_ENV_DIR/asv-env-info.json), as requirements:
    `forced` are the ones installed with flags (`==2.18.0 --no-deps`: deliberately inconsistent, so they stay
    out of any resolution)."""
    info = Path(env_dir or os.environ.get("ASV_ENV_DIR", "")) / "asv-env-info.json"
    if not info.is_file():
        return [], []
    pins, forced = [], []
    for key, value in (json.loads(info.read_text()).get("requirements") or {}).items():
        value = str(value or "").strip()
        if not value:
            continue
        first = value.split()[0]
        req = f"{key.removeprefix('pip+')}{first if first[0] in '<>=!~' else '==' + first}"
        (forced if "--" in value else pins).append(req)
    return pins, forced


class AsvEnvironment(CurrentInterpreter):
    """The interpreter asv runs its install step in (`python` is asv's environment's), its pins read from asv's
    note of the environment; `as_of` False resolves against today's index."""
    kind = "asv"

    def __init__(self, env_dir: str | None = None, as_of: bool = True, light: list[str] | None = None,
                 dates: ReleaseDates = cached_release_dates, python: Path | None = None) -> None:
        super().__init__(python)
        self.pins, self.forced = asv_pins(env_dir)
        self.spec = EnvSpec(tuple(self.pins), None if light is None else tuple(light), as_of)
        self._dates = dates

    def resolve(self) -> Resolution:
        from harness.env.environment import UvEnvironment

        planned = UvEnvironment(self.spec, self._dates)
        return Resolution(tuple(self.spec.requirements()), planned.bound())

    def build(self) -> str | None:
        """The light dependencies and the pins again, resolved together under the date bound; the forced pins
        held at their installed versions."""
        resolution = self.resolve()
        return install_into(self.python, list(resolution.requirements), resolution.bound, tuple(self.forced))

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "pins": self.pins, "forced": self.forced}


def install_cuda(python: Path | None = None) -> str | None:
    """`tensorflow[and-cuda]` at the installed TF version, under the environment's own date bound. TF 2.12 /
    2.13 have no such extra: the installer warns and adds nothing; they find CUDA on the system."""
    from harness.env.describe import versions
    from harness.env.environment import bound_from_note

    tf = versions().get("tensorflow")
    if not tf:
        return "no tensorflow installed: nothing to add CUDA to"
    python = Path(python or sys.executable)
    note = read_record(Path(sys.prefix)).get("resolved_as_of")
    return install_into(python, [f"tensorflow[and-cuda]=={tf}"], bound_from_note(note) if note else None)


def main(command: str, args: list[str]) -> int:
    """`install-light [--today]` and `install-cuda`: asv's install steps (harness/env/__main__.py)."""
    if command == "install-light":
        error = AsvEnvironment(as_of="--today" not in args).build()
    else:
        error = install_cuda()
    if error:
        print(f"fitbench-env: {command}: {error}", file=sys.stderr)
        return 1
    return 0
