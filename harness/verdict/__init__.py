"""The verdict: what two sets of records say changed, and whether it counts. It is what `fitbench compare`, the
nightly and the report conclude, and what a team acts on the morning after a release.

    findings.py     Finding and Verdict: the kinds (behaviour, coverage, performance) and the exit code
    compare.py      two sets of records → a Verdict: match the groups, then ask the three modules below
    behaviour.py    symptom and error changes, in the user's direction (breaks / heals / changes), by root cause
    coverage.py     variants the baseline ran and the current run did not
    performance.py  numbers beyond noise: suspects only, never a verdict by themselves (hardware must match)
    noise.py        the suspect rule: a ratio beyond max(factor, k × MAD/median)
    stats.py        paired rounds: per-round log ratios, a one-sided t test, Holm, the smallest visible slowdown
    sides.py        how to run a side again: its interpreter, its run conditions, its config
    choose.py       which suspects a night re-measures: evidence relative to noise, one per case, within budget
    confirm.py      re-measuring suspects in both sides, paired rounds: confirmed, not confirmed or undecided
    history.py      the last nights on the same hardware: a noise model, the baseline's median, steps as suspects
    render.py       the verdict as text

Behaviour is deterministic and always decides; performance decides only once confirmed by re-measurement.
docs/verdicts.md explains the statistics.
"""
