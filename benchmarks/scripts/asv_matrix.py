"""Writes fitbench's asv configs: the environments that span the Keras 2 → Keras 3 transition, one by one.

    python benchmarks/scripts/asv_matrix.py                 # writes asv.conf.json (CPU)
    FITBENCH_ASV_GPU=1 python benchmarks/scripts/asv_matrix.py   # writes benchmarks/asv-gpu.conf.json
    python benchmarks/scripts/asv_matrix.py --only tf2.15-tr4.40,tf2.16-tr4.40 --out /tmp/asv-two.conf.json
    python benchmarks/scripts/asv_matrix.py --shard 2/3 --out /tmp/shard2.conf.json   # one machine of three
    python benchmarks/scripts/asv_matrix.py --workflow .github/workflows/fitbench-matrix.yml  # the CI matrix

The environments are listed explicitly (asv `include` entries), not as a cartesian product with excludes:
each one is chosen so that a documented boundary falls between two of them, and the combinations users try
by mistake (TF >= 2.16 without tf-keras, transformers 5, a tf-keras minor other than TF's, an old transformers
on a new TF) are environments too, where fitbench records `unsupported` / `error` with the real message.

On a GPU machine TensorFlow must come with its CUDA libraries: FITBENCH_ASV_GPU=1 (or --gpu) writes the same
environments plus one install step, `tensorflow[and-cuda]` at each environment's TF version (TF >= 2.14 has
that extra; 2.12 / 2.13 find CUDA on the system), into benchmarks/asv-gpu.conf.json; run
`asv run --config benchmarks/asv-gpu.conf.json`. (A pin "tensorflow[and-cuda]" would not do: asv 0.6.6's
parser of pins drops the extra.)

asv installs the `req` pins one `pip install` at a time, in the order given, so TensorFlow comes first and
what would move it (tf-keras of another minor) carries `--no-deps`. Then fitbench's wheel goes in with
--no-deps and `python -m harness.env install-light` (harness/env/asv.py, the asv environment of
harness/env/environment.py) resolves fitbench's light dependencies and the pins again, together, with the one
builder *as of the newest pinned release's upload*: numpy, pandas, pyarrow, datasets … are those of the
environment's era without a pin written here, and installing fitbench never moves TF, tf-keras or transformers.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # harness.env: the ties, and how the asv environment is built

# name -> (why it is here, req pins in install order). Only the libraries the matrix is about: the rest (numpy,
# pandas, pyarrow, datasets, evaluate ...) resolves as of the newest pin's upload in the install step (the era pins
# that were written here by hand are that date bound's job now; the few it cannot say are
# harness/env/requirements.DEFAULT_PINS, for every kind of environment).
ENVIRONMENTS: dict[str, tuple[str, dict[str, str]]] = {
    "tf2.12-tr4.24": ("Keras 2 in TF; transformers older than TF 2.12's Keras (old transformers on new TF)",
                      {"tensorflow": "2.12.1", "transformers": "4.24.0"}),
    "tf2.12-tr4.30": ("Keras 2 in TF; the first transformers of the bisect's far side",
                      {"tensorflow": "2.12.1", "transformers": "4.30.2"}),
    "tf2.15-tr4.40": ("Keras 2 in TF, the last TF before Keras 3",
                      {"tensorflow": "2.15.1", "transformers": "4.40.2"}),
    "tf2.15-tr4.57": ("Keras 2 in TF with the last transformers 4.x",
                      {"tensorflow": "2.15.1", "transformers": "4.57.6"}),
    "tf2.16-keras3-tr4.40": ("TF 2.16 without tf-keras: Keras 3 only (a user's first try after upgrading)",
                             {"tensorflow": "2.16.2", "transformers": "4.40.2"}),
    "tf2.16-tr4.40": ("TF 2.16 + tf-keras 2.16: the Keras 2 era's continuation",
                      {"tensorflow": "2.16.2", "tf-keras": "2.16.0", "transformers": "4.40.2"}),
    "tf2.18-tr4.46": ("TF 2.18 + tf-keras 2.18, numpy 2",
                      {"tensorflow": "2.18.1", "tf-keras": "2.18.0", "transformers": "4.46.3"}),
    "tf2.21-tr4.57": ("what fitbench is developed on",
                      {"tensorflow": "2.21.0", "tf-keras": "2.21.0", "transformers": "4.57.6"}),
    "tf2.21-tfkeras2.18-tr4.57": ("tf-keras minor != TF minor, forced past pip's check with --no-deps",
                                  {"tensorflow": "2.21.0", "pip+tf-keras": "==2.18.0 --no-deps",
                                   "transformers": "4.57.6"}),
    "tf2.21-tr5.0": ("transformers 5: no TensorFlow models",
                     {"tensorflow": "2.21.0", "tf-keras": "2.21.0", "transformers": "5.0.0"}),
}

# environments whose point is a broken tie (harness/env/companions.py): every other one keeps the ties
BREAKS_TIES = {"tf2.16-keras3-tr4.40": "TF >= 2.16 with no tf-keras: what a user gets after upgrading TF alone",
               "tf2.21-tfkeras2.18-tr4.57": "a tf-keras minor other than TF's, forced in"}


def exact_pins(req: dict[str, str]) -> dict[str, str]:
    """{package: version} of an environment's asv pins ("pip+tf-keras": "==2.18.0 --no-deps" -> tf-keras 2.18.0)."""
    return {name.removeprefix("pip+"): value.split()[0].lstrip("=") for name, value in req.items()}


def tie_problems(names: list[str]) -> list[str]:
    """Environments that break a companion tie without saying it is their point (BREAKS_TIES)."""
    from harness.env.companions import violations

    return [f"{name}: {v}" for name in names if name not in BREAKS_TIES
            for v in violations(exact_pins(ENVIRONMENTS[name][1]))]


HEADER = """// GENERATED by benchmarks/scripts/asv_matrix.py{gpu} -- edit the ENVIRONMENTS there and rerun it.
// fitbench's asv environments: {n} of them, listed one by one (asv `include`), chosen so that each behaviour
// boundary falls between two of them; the invalid combinations are environments too, recorded as unsupported
// / error by fitbench. Why each one is here: benchmarks/scripts/asv_matrix.py. asv reads this as JSON5.
"""


def config(names: list[str], gpu: bool, relative_to: Path) -> dict:
    up = os.path.relpath(ROOT, relative_to)
    rel = (lambda p: p) if up == "." else (lambda p: f"{up}/{p}")
    include = []
    for name in names:
        include.append({"python": "3.11", "req": dict(ENVIRONMENTS[name][1])})
    from harness.env.asv import install_commands

    commands = install_commands(gpu)  # the asv environment's build: harness/env/asv.py
    return {
        "version": 1, "project": "fitbench", "project_url": "https://example.invalid/fitbench",
        "repo": up if up != "." else ".", "branches": ["HEAD"], "dvcs": "git",
        "environment_type": "virtualenv", "pythons": ["3.11"],
        **commands,
        "benchmark_dir": rel("benchmarks"), "results_dir": rel("results/asv"), "html_dir": rel("results/html"),
        "env_dir": rel(".asv/env"), "show_commit_url": "", "build_cache_size": 2,
        # no product: every environment is an `include` below. The one empty combination the product still
        # yields is dropped for virtualenv and kept for `asv run --python=same` (the current interpreter).
        "matrix": {"req": {}},
        "exclude": [{"environment_type": "virtualenv"}],
        "include": include,
    }


def shard(names: list[str], spec: str) -> list[str]:
    """The environments of shard `i/n`: every n-th, from the i-th (1-based), in ENVIRONMENTS' order. The n
    shards are disjoint and together hold every environment, whatever n."""
    try:
        i, n = (int(x) for x in spec.split("/"))
    except ValueError:
        raise ValueError(f"--shard must be I/N (e.g. 2/3), got {spec!r}") from None
    if not 1 <= i <= n:
        raise ValueError(f"--shard {spec}: I must be between 1 and N")
    return names[i - 1::n]


# the actions the workflow uses, pinned to the commit of a release (a tag can be moved; a commit cannot), with the
# release named in a comment beside it. Checked against the actions' own repositories: the v4 tag of each
# pointed at these commits, the releases named here.
ACTIONS = {"actions/checkout": ("11d5960a326750d5838078e36cf38b85af677262", "v4.4.0"),
           "actions/upload-artifact": ("ea165f8d65b6e75b540449e92b4886f43607fa02", "v4.6.2"),
           "actions/download-artifact": ("d3f86a106a0bac45b974a628896c90dbdf5c8093", "v4.3.0")}


def uses(action: str) -> str:
    return f"{action}@{ACTIONS[action][0]}"


def _checkout() -> dict:
    # no token left in .git/config: the job uploads its working tree's files as an artifact
    return {"uses": uses("actions/checkout"), "with": {"fetch-depth": 0, "persist-credentials": False}}


def workflow(names: list[str]) -> dict:
    """A GitHub Actions workflow: one job per environment on self-hosted GPU runners, each uploading its asv
    results and fitbench records, and a merge job that builds one report and one asv site from all of them.
    Safe to copy: actions pinned to commits, no permission beyond reading the repository, no token persisted in
    the checkout, and the matrix's values reach `run:` through the environment, never spliced into the script."""
    from harness.env.asv import MERGE_SETUP, RUNNER_SETUP

    one = "benchmarks/asv-one.conf.json"
    setup = {"name": "fitbench", "run": RUNNER_SETUP}
    return {
        "name": "fitbench matrix",
        "on": {"schedule": [{"cron": "30 2 * * *"}], "workflow_dispatch": {}},
        "permissions": {},
        # one matrix at a time on the GPU runners: a night that runs long delays the next instead of sharing cards
        "concurrency": {"group": "fitbench-matrix", "cancel-in-progress": False},
        "jobs": {
            "environment": {
                "name": "${{ matrix.environment }}", "runs-on": ["self-hosted", "gpu"], "timeout-minutes": 240,
                "permissions": {"contents": "read"},
                "strategy": {"fail-fast": False, "matrix": {"environment": list(names)}},
                "env": {"FITBENCH_MACHINE": "${{ runner.name }}", "FITBENCH_ASV_DEVICE": "gpu",
                        "FITBENCH_ENVIRONMENT": "${{ matrix.environment }}",
                        "FITBENCH_ASV_RECORDS": "${{ github.workspace }}/matrix-out/records",
                        # the one builder inside asv's environments: the runner's uv (harness/env/build.py)
                        "FITBENCH_UV": "${{ github.workspace }}/.venv/bin/uv"},
                "steps": [
                    _checkout(), setup,
                    {"name": "this environment's asv config",
                     "run": f".venv/bin/python benchmarks/scripts/asv_matrix.py --gpu --only \"$FITBENCH_ENVIRONMENT\" "
                            f"--out {one}"},
                    {"name": "asv machine", "run": f".venv/bin/asv machine --yes --machine \"$FITBENCH_MACHINE\" "
                                                   f"--config {one}"},
                    {"name": "the suite in this environment",
                     "run": f".venv/bin/asv run --config {one} --machine \"$FITBENCH_MACHINE\" --show-stderr "
                            f"--quick HEAD^!"},
                    {"name": "asv's results beside the records", "if": "always()",
                     "run": "mkdir -p matrix-out && cp -r results/asv matrix-out/asv"},
                    {"uses": uses("actions/upload-artifact"), "if": "always()",
                     "with": {"name": "matrix-${{ matrix.environment }}", "path": "matrix-out/"}},
                ]},
            "merge": {
                "name": "one report from every machine", "needs": "environment", "if": "always()", "runs-on": "ubuntu-latest",
                "permissions": {"contents": "read"},
                "steps": [
                    _checkout(),
                    {"name": "fitbench", "run": MERGE_SETUP},
                    {"uses": uses("actions/download-artifact"), "with": {"pattern": "matrix-*", "path": "shards"}},
                    {"name": "one report and one asv site from every machine",
                     "run": ".venv/bin/python benchmarks/scripts/merge_matrix.py shards/* --out merged --publish"},
                    {"uses": uses("actions/upload-artifact"),
                     "with": {"name": "fitbench-matrix-report", "path": "merged/"}},
                ]},
        },
    }


def workflow_text(names: list[str]) -> str:
    """The workflow file: a header, the YAML, and each pinned action's release in a comment beside its commit."""
    import yaml

    header = ("# GENERATED by benchmarks/scripts/asv_matrix.py --workflow: one job per environment of ENVIRONMENTS\n"
              "# there; edit that list and rerun it. docs/asv.md, \"The matrix over several machines\".\n")
    text = yaml.safe_dump(workflow(names), sort_keys=False, width=120)
    for action, (sha, release) in ACTIONS.items():
        text = text.replace(f"uses: {action}@{sha}\n", f"uses: {action}@{sha} # {release}\n")
    return header + text


def write_workflow(path: Path, names: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(workflow_text(names))


def main(argv: list[str] | None = None) -> int:
    from harness import settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpu", action="store_true", default=settings.get("FITBENCH_ASV_GPU") == "1",
                        help="tensorflow[and-cuda] in every environment (default: $FITBENCH_ASV_GPU == 1)")
    parser.add_argument("--only", default="", help="comma list of environment names (default: all)")
    parser.add_argument("--shard", default=None, metavar="I/N", help="the I-th of N machines' share of them")
    parser.add_argument("--workflow", default=None, metavar="PATH",
                        help="write the GitHub Actions workflow of the matrix (one job per environment) instead")
    parser.add_argument("--out", default=None,
                        help="config file (default: asv.conf.json, or benchmarks/asv-gpu.conf.json with --gpu)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(ENVIRONMENTS)
    unknown = [n for n in names if n not in ENVIRONMENTS]
    if unknown:
        parser.error(f"--only: unknown environment {unknown[0]!r} (known: {', '.join(ENVIRONMENTS)})")
    problems = tie_problems(names)
    if problems:
        parser.error(f"a companion tie is broken: {problems[0]} (keep it, or add the environment to BREAKS_TIES)")
    if args.shard:
        try:
            names = shard(names, args.shard)
        except ValueError as exc:
            parser.error(str(exc))
    if args.workflow:
        write_workflow(Path(args.workflow), names)
        print(args.workflow)
        return 0
    out = Path(args.out) if args.out else ROOT / ("benchmarks/asv-gpu.conf.json" if args.gpu else "asv.conf.json")
    text = HEADER.format(gpu=" --gpu" if args.gpu else "", n=len(names))
    text += json.dumps(config(names, args.gpu, out.resolve().parent), indent=2) + "\n"
    out.write_text(text)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
