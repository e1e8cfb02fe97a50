"""What a night means: the verdict against the previous night (the one judge, harness/verdict/judge.py), its
performance suspects re-measured in both environments, and what changed bisected to the release where it changed.

Only the variants the night was asked to run are judged; the last nights on the same hardware set the noise
(harness/verdict/history.py). What breaks is bisected first, then other behaviour changes and confirmed
performance regressions, over each package that moved *on its own*: a companion that only followed its partner
(keras 2.15 → 3.x beside TF 2.15 → 2.16) moves with it, never alone (harness/env/companions.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from harness.env.build import one_line
from harness.env.companions import moved_on_their_own, moves_with
from harness.env.environment import Environment
from harness.env.suite_process import code_snapshot
from harness.releases.bisect import BisectConfig, BisectError, Bisector
from harness.results.groups import hardware_identity
from harness.results.records import RunRecord
from harness.results.reading import read_records
from harness.verdict.confirm import ConfirmSettings
from harness.verdict.coverage import Defined
from harness.verdict.findings import CONFIRMED, PERFORMANCE, Verdict
from harness.verdict.history import History
from harness.verdict.judge import JudgeSettings, judge
from harness.verdict.sides import Side


@dataclass(frozen=True)
class Judging:
    """How a night judges: the pairs asked for, the noise factor, re-measuring, bisecting, and where it writes."""
    pairs: list[tuple[str, str]]
    device: str
    folder: Path                         # confirm/ and bisect/ go here
    k: float = 3.0
    confirm: bool = True
    confirming: ConfirmSettings = field(default_factory=ConfirmSettings)
    max_bisects: int = 2


def judge_night(cfg: Judging, base: list[RunRecord], tonight: list[RunRecord], history_files: list[Path],
                environments: Callable[[], tuple[Environment, Environment] | str], defined: Defined,
                log: Callable[[str], None] = print, files: dict[str, str] | None = None) -> Verdict:
    """The verdict of tonight's records against `base`, by the one judge (harness/verdict/judge.py), with the last
    nights on the same hardware as history; `environments()` builds both environments for re-measuring (or says
    in a line why it cannot), and is only called where there is a suspect to re-measure."""
    hardware = hardware_identity(tonight[0]) if tonight else None
    history = History([f for f in dict.fromkeys(history_files) if f.is_file()], hardware)

    def sides() -> tuple[Side, Side] | str:
        built = environments()
        if isinstance(built, str):
            return built
        return Side("baseline", built[0], device=cfg.device), Side("current", built[1], device=cfg.device)

    settings = JudgeSettings(cfg.k, tuple(cfg.pairs), cfg.confirm, cfg.confirming, cfg.folder / "confirm")
    return judge(base, tonight, settings, sides, defined, history, log, files)


def build_sides(previous: Environment, tonight: Environment) -> tuple[Environment, Environment] | str:
    """Both environments built, or one line saying which does not build."""
    for label, env in (("baseline", previous), ("current", tonight)):
        error = env.build()
        if error is not None:
            return f"the {label} environment does not build: {one_line(error)}"
    return previous, tonight


@dataclass
class Bisecting:
    """What a bisect needs from the night: the releases on both sides, the index, environments, the case registry,
    logging."""
    versions: dict[str, str | None]                  # tonight's releases
    moved: dict[str, tuple[str | None, str | None]]  # {package: (last night's, tonight's)}
    list_versions: Callable[..., list[str]]
    environment: Callable[..., Environment]
    release_notes: Callable[[str], str | None] | None
    light: list[str]
    registry: Any
    log: Callable[[str], None] = print


def bisect_findings(cfg: Judging, verdict: Verdict, b: Bisecting) -> list[dict[str, Any]]:
    """Bisect what breaks first (up to max_bisects findings) over each package that moved on its own; the
    boundary found is written on the finding."""
    suspects = [p for p in moved_on_their_own(b.moved, cfg.device) if all(b.moved[p])]
    targets = [*verdict.behaviour, *(f for f in verdict.performance if f.status == CONFIRMED and f.regression)]
    found = []
    if not suspects:
        return found
    with code_snapshot() as code:  # one snapshot of the code for all of tonight's bisect steps
        for f in targets[:cfg.max_bisects]:
            metric = f.metric if f.kind == PERFORMANCE else None
            for package in suspects:
                entry = _bisect(cfg, b, package, f.variants[0], metric, code)
                found.append(entry)
                if entry.get("first_changed"):
                    f.boundary = f"{package} {entry['last_same']} → {entry['first_changed']}"
    return found


def _bisect(cfg: Judging, b: Bisecting, package: str, case_variant: str, metric: str | None,
            code: Path) -> dict[str, Any]:
    old, new = b.moved[package]
    # the others held: a package that also moved at last night's release, the rest at tonight's; what moves
    # with the bisected package (its companions) is not pinned, so that it follows each step
    held = {p: b.moved[p][0] if p in b.moved else v for p, v in b.versions.items()
            if p != package and p not in moves_with(package)}
    pins = tuple(f"{p}=={v}" for p, v in held.items() if v)
    entry: dict[str, Any] = {"package": package, "good": old, "bad": new, "case_variant": case_variant,
                             "pins": list(pins)}
    try:
        # resolved like tonight's environment (today's index), so a step behaves as the suite did
        config = BisectConfig(package, old, new, case_variant, pins, cfg.device, metric, cfg.folder / "bisect",
                              as_of=False)
        bisector = Bisector(config, registry=b.registry, list_versions=lambda p: b.list_versions(p, True),
                            environment=b.environment,
                            release_notes=b.release_notes, light=b.light, code=code,
                            log=lambda step: b.log(f"  bisect {package}: {step.version} {step.observed}"))
        bisected = bisector.run(bisector.validate())
    except BisectError as exc:
        return {**entry, "verdict": f"not bisected: {exc}"}
    from harness.releases.transcript import render, write_outputs

    files = write_outputs(bisected, render(bisected))
    changed = next((s for s in bisected.steps if s.version == bisected.first_changed), None)
    return {**entry, "verdict": bisected.verdict, "kind": bisected.kind, "last_same": bisected.last_same,
            "first_changed": bisected.first_changed, "confirmed": bisected.confirmed,
            "error": (changed.record.error if changed and changed.record else None),
            "release_notes": (bisected.release_notes.format(version=bisected.first_changed)
                              if bisected.release_notes and bisected.first_changed else None),
            "transcript": str(files[0])}


def records_of(path: Path | str | None) -> list[RunRecord]:
    return read_records([Path(path)]) if path and Path(path).is_file() else []
