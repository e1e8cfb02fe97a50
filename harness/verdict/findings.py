"""What a comparison finds, typed: one `Finding` per root cause, and the `Verdict` that holds them and decides
the exit code.

Three kinds, kept apart because they are decided differently:

* behaviour — a symptom or an error that changed. Deterministic: it always decides. Said in the user's
  direction (does code written that way still work?): `breaks` (it worked and now fails: a bug that starts to
  bite, or a fix that stops working), `heals` (the reverse), `changes` (it fails differently), with the
  chapter's side (does the chapter's claim hold?) beside it.
* coverage — a variant the baseline ran that the current run did not (`not run`, while the case still defines
  it), or one the current run added (`new`) or that no case defines any more (`retired`).
* performance — a timing, throughput, memory or training-quality number that moved. From the files alone it is
  a `suspect`, which never fails anything; re-measured, it is `confirmed` (it counts), `not confirmed` (a slowdown
  of the night's target size is ruled out) or `undecided` (the rounds or the budget ended first: never read as
  "nothing regressed").

Exit codes: 0 nothing regressed; 1 a behaviour or coverage regression (a variant breaks or is not run);
3 a confirmed performance regression and no behaviour regression; 2 bad input (the commands' own).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from harness.results import metrics


class _Word(str, Enum):
    """A word of the verdict: a str (so JSON, comparisons with plain strings and dict keys are unchanged) that
    prints as its value — Python 3.11 prints a (str, Enum) member as `Kind.BEHAVIOUR` in f-strings, which would
    change every rendered line (enum.StrEnum does this, but is 3.11+ and we support 3.10)."""
    __str__ = str.__str__
    __format__ = str.__format__


class Kind(_Word):
    BEHAVIOUR = "behaviour"
    COVERAGE = "coverage"
    PERFORMANCE = "performance"


class Direction(_Word):
    BREAKS = "breaks"              # behaviour, in the user's direction
    HEALS = "heals"
    CHANGES = "changes"
    NOT_RUN = "not run"            # coverage
    NEW = "new"
    RETIRED = "retired"
    REGRESSION = "regression"      # performance
    IMPROVEMENT = "improvement"
    CHANGE = "change"


class Status(_Word):
    NONE = ""                      # behaviour and coverage: decided without re-measuring, no status
    SUSPECT = "suspect"
    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not confirmed"
    UNDECIDED = "undecided"


# module-level names, as importers have always used them
BEHAVIOUR, COVERAGE, PERFORMANCE = Kind.BEHAVIOUR, Kind.COVERAGE, Kind.PERFORMANCE
BREAKS, HEALS, CHANGES = Direction.BREAKS, Direction.HEALS, Direction.CHANGES
NOT_RUN, NEW, RETIRED = Direction.NOT_RUN, Direction.NEW, Direction.RETIRED
REGRESSION, IMPROVEMENT, CHANGE = Direction.REGRESSION, Direction.IMPROVEMENT, Direction.CHANGE
SUSPECT, CONFIRMED, NOT_CONFIRMED, UNDECIDED = Status.SUSPECT, Status.CONFIRMED, Status.NOT_CONFIRMED, Status.UNDECIDED

_WORDS: dict[str, type[_Word]] = {"kind": Kind, "direction": Direction, "status": Status}

EXIT_CLEAN, EXIT_BEHAVIOUR, EXIT_PERFORMANCE = 0, 1, 3


@dataclass
class Finding:
    kind: Kind                         # behaviour | coverage | performance
    direction: Direction               # breaks | heals | changes | not run | new | retired | regression | ...
    what: str                          # "ok → keras_mismatch", "not run", or the metric's name
    variants: list[str]                # "case:variant" — one finding per root cause, every variant it covers
    device: str = ""
    baseline_env: str = ""             # harness.results.groups.env_key of each side
    current_env: str = ""
    baseline: Any = None               # the value (or behaviour) on each side
    current: Any = None
    reason: str = ""                   # behaviour: the error's informative line; performance: the statistics
    chapter: str = ""                  # what it means for the chapter's claim
    fixes: list[str] = field(default_factory=list)  # fixes that still work, "case:variant — what it does"
    status: Status = Status.NONE       # performance: suspect | confirmed | not confirmed | undecided
    metric: str | None = None
    ratio: float | None = None         # current / baseline (medians)
    interval: tuple[float, float] | None = None   # of the ratio, where re-measured
    threshold: float | None = None     # the relative change it had to pass
    samples: tuple[int, int] | None = None        # (baseline, current) samples behind the status
    boundary: str = ""                 # where a bisect found the change ("tensorflow 2.15.1 → 2.16.1")
    behaviour: str = ""                # performance: the behaviour both sides share (a re-measured run must too)

    def __setattr__(self, name: str, value: Any) -> None:
        """kind, direction and status become their enum whenever set — built or re-decided (confirm sets the
        status later) — so a misspelt word fails where it is written, not as a finding no rule recognises."""
        if name in _WORDS:
            try:
                value = _WORDS[name](value)
            except ValueError:
                choices = ", ".join(repr(w.value) for w in _WORDS[name])
                raise ValueError(f"Finding.{name}: unknown value {value!r} (one of {choices})") from None
        super().__setattr__(name, value)

    @property
    def measurement(self) -> str:
        """The measurement its number comes from (the metric's `root`): a step time's samples/s is the step time."""
        metric = metrics.get(self.metric or "")
        return metric.root if metric else (self.metric or self.what)

    @property
    def regression(self) -> bool:
        """Whether this finding fails a night: a variant that breaks, a variant not run, a confirmed slowdown."""
        if self.kind == BEHAVIOUR:
            return self.direction == BREAKS
        if self.kind == COVERAGE:
            return self.direction == NOT_RUN
        return self.status == CONFIRMED and self.direction == REGRESSION

    def to_dict(self) -> dict[str, Any]:
        words = {name: getattr(self, name).value for name in _WORDS}   # plain strings, whatever reads the dict
        return {**asdict(self), **words, "regression": self.regression}


@dataclass
class Verdict:
    behaviour: list[Finding] = field(default_factory=list)
    coverage: list[Finding] = field(default_factory=list)
    performance: list[Finding] = field(default_factory=list)
    environments: list[tuple[str, str]] = field(default_factory=list)   # (baseline env, current env) matched
    hardware: str = ""                 # one line where the two sides' hardware differs: behaviour only
    code: dict[str, list[str]] | None = None    # which fitbench made each side, where they differ
    notes: list[str] = field(default_factory=list)
    noise: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    confirmation: dict[str, Any] = field(default_factory=dict)  # what re-measuring cost and where it is kept
    costs: dict[str, float] = field(default_factory=dict)  # "case:variant" -> its recorded wall s, both sides

    def findings(self) -> list[Finding]:
        return [*self.behaviour, *self.coverage, *self.performance]

    def regressions(self, kind: Kind | None = None) -> list[Finding]:
        return [f for f in self.findings() if f.regression and (kind is None or f.kind == kind)]

    def regressed_measurements(self) -> int:
        """How many measurements regressed, confirmed: a step time and its samples/s (or time to first step and its
        tracing) confirmed together are one measurement of one variant, counted once."""
        return len({(tuple(f.variants), f.measurement) for f in self.regressions(PERFORMANCE)})

    def suspects(self) -> list[Finding]:
        return [f for f in self.performance if f.status == SUSPECT]

    def undecided(self) -> list[Finding]:
        return [f for f in self.performance if f.status == UNDECIDED and f.direction == REGRESSION]

    @property
    def exit_code(self) -> int:
        if self.regressions(BEHAVIOUR) or self.regressions(COVERAGE):
            return EXIT_BEHAVIOUR
        return EXIT_PERFORMANCE if self.regressions(PERFORMANCE) else EXIT_CLEAN

    def summary(self) -> str:
        """One line: what the exit code means here."""
        behaviour, coverage = len(self.regressions(BEHAVIOUR)), self.regressions(COVERAGE)
        perf = self.regressed_measurements()
        if behaviour or coverage:
            parts = [f"{behaviour} behaviour regression{'s' * (behaviour != 1)}"] if behaviour else []
            lost = sum(len(f.variants) for f in coverage)
            parts += [f"coverage lost ({lost} variant{'s' * (lost != 1)} not run)"] if coverage else []
            parts += [f"{perf} confirmed performance regression{'s' * (perf != 1)}"] if perf else []
            return "exit 1: " + " and ".join(parts)
        if perf:
            return f"exit 3: {perf} confirmed performance regression{'s' * (perf != 1)}, no behaviour regression"
        undecided = len(self.undecided())
        if undecided:
            return (f"exit 0: no regression confirmed, but {undecided} suspected slowdown{'s' * (undecided != 1)} "
                    f"undecided (re-measuring ended before the test could decide: a larger --confirm-budget decides)")
        suspects = len(self.suspects())
        return "exit 0: nothing regressed" + (f" ({suspects} performance suspect{'s' * (suspects != 1)} not "
                                              f"re-measured: never a verdict by themselves)" if suspects else "")

    def to_dict(self) -> dict[str, Any]:
        return {"exit_code": self.exit_code, "summary": self.summary(),
                "behaviour": [f.to_dict() for f in self.behaviour],
                "coverage": [f.to_dict() for f in self.coverage],
                "performance": [f.to_dict() for f in self.performance],
                "environments": [list(e) for e in self.environments], "hardware": self.hardware,
                "code": self.code, "notes": self.notes, "noise": self.noise, "files": self.files,
                "confirmation": self.confirmation, "undecided": len(self.undecided())}
