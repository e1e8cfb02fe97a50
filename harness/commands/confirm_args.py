"""The re-measuring options, one group for `fitbench compare --confirm` and `fitbench nightly` (asv's
`common_args` style): the same names, one set of defaults (harness/verdict/confirm.ConfirmSettings) and one check.

`compare` also accepts its older spellings (--rounds, --budget, --max-variants) as aliases.
"""
from __future__ import annotations

import argparse
import math
from dataclasses import fields
from typing import Any, Callable

from harness.verdict.confirm import TARGET_RANGE, ConfirmSettings
from harness.verdict.stats import LOOKS

DEFAULTS = {f.name: f.default for f in fields(ConfirmSettings)}
PAIRINGS = ("at-once", "in-turn")


def _number(kind: type, low: float, high: float, what: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None
        if not (low <= value <= high) or (isinstance(value, float) and not math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
        return value
    return parse


def add_confirm_arguments(group: argparse._ArgumentGroup, aliases: bool = False) -> None:
    """--confirm-rounds, --confirm-budget, --confirm-variants, --confirm-target, --confirm-pairing on `group`."""
    def names(new: str, old: str) -> list[str]:
        return [new, old] if aliases else [new]

    group.add_argument(*names("--confirm-rounds", "--rounds"), dest="confirm_rounds", default=DEFAULTS["rounds"],
                       type=_number(int, LOOKS[0], 50, f"a whole number from {LOOKS[0]} to 50"),
                       help=f"paired rounds at most (default {DEFAULTS['rounds']}; fewer where the budget pays for "
                            f"fewer); decided after rounds {', '.join(map(str, LOOKS[:5]))}, … within them")
    group.add_argument(*names("--confirm-budget", "--budget"), dest="confirm_budget", default=DEFAULTS["budget_s"],
                       type=_number(float, 1, 7 * 24 * 3600, "seconds from 1 to a week"),
                       help=f"seconds re-measuring may take (default {DEFAULTS['budget_s']:.0f}); what it leaves "
                            f"open is 'undecided', never 'nothing regressed'")
    group.add_argument(*names("--confirm-variants", "--max-variants"), dest="confirm_variants",
                       default=DEFAULTS["max_variants"], type=_number(int, 1, 1000, "a whole number >= 1"),
                       help=f"variants re-measured at most, the strongest suspects per case first, as many as the "
                            f"budget carries (default {DEFAULTS['max_variants']})")
    group.add_argument("--confirm-target", dest="confirm_target", default=DEFAULTS["target"],
                       type=_number(float, *TARGET_RANGE, f"a fraction from {TARGET_RANGE[0]} to {TARGET_RANGE[1]}"),
                       help=f"the slowdown the night must see, as a fraction (default {DEFAULTS['target']}: 10 %%): "
                            f"confirmed past half of it, ruled out below it")
    group.add_argument("--confirm-pairing", dest="confirm_pairing", choices=PAIRINGS,
                       default=PAIRINGS[0] if DEFAULTS["at_once"] else PAIRINGS[1],
                       help="at-once (default): a round measures both sides at the same time, a CPU and a thread "
                            "each, so the machine's slow spells hit both (on a GPU, with one CPU, or where the "
                            "sides ran with different CPUs, quotas or threads, in turn); in-turn: one after the "
                            "other, each under its recorded conditions")


def confirm_settings(args: argparse.Namespace) -> ConfirmSettings:
    return ConfirmSettings(args.confirm_rounds, args.confirm_budget, args.confirm_variants, args.confirm_target,
                           args.confirm_pairing == PAIRINGS[0])
