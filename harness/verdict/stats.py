"""Statistics on paired rounds: when re-measured samples say a number really got worse.

Confirmation (harness/verdict/confirm.py) runs both sides back to back in each round, so one round's pair
shares whatever the machine was doing then (measured on the committed A/A re-measurements: the sides of a round
correlate at 0.59). The unit of evidence is therefore the round's log ratio d = log(current / baseline), signed
so that d > 0 is worse; a shock shared by the round cancels in it. Over n rounds:

* the test — one-sided Student t on the d's (H0: mean d <= 0), the interval of the ratio exp(mean d) from the
  same t. Several tests in one night are corrected together (weighted Holm, `holm`: a group's shared shift
  carries half the night's α, the single variants the other half, so a shift every variant shares is not drowned
  by the count of single tests), and the night looks only after the rounds in LOOKS that its budget can reach,
  its α spent over those looks in proportion to their rounds (`look_alphas`: Bonferroni over looks, so repeated
  looking can never raise the false-alarm rate above α, and the early looks, which have few rounds and little
  power, cost the late ones little);
* a shift shared by several variants — a robust mean of the variants' d within each round first (one number per
  round: variants of one process are not independent), then the same test across rounds (`round_medians`);
* what a night could see — `smallest_visible`: the slowdown this many rounds at this spread would confirm with
  80 % power, so a night that stops early says how blind it was.

A sample that is ∞ ("never reached") cannot be a ratio: `log_ratios` keeps it as ±∞ and confirm.py decides such
rounds by count, never by this t test.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Hashable, Iterable

from scipy import stats as _scipy

ALPHA = 0.01                     # family-wise false-alarm rate of one night's confirmations
RULE_OUT = 0.01                  # a slowdown of the target size is ruled out at this level, at each look: a miss, not
# a false alarm, yet a night asked to see 10 % must see an exact 10 % (the first at-once +10 % night of 2026-12-06
# ruled its steps' shared shift out at 95 % after 3 rounds, upper bound 1.09, the shift's first look ratio 1.05)
LOOKS = (3, 5, 7, 10, 14, 20, 28, 40)   # the rounds after which a night decides
SD_FLOOR = 1e-3                  # 0.1 %: rounds that agree exactly still have the timer's resolution
POWER = 0.8
GROUP_SHARE = 0.5                # of the night's α, what the groups' shared shifts carry (the singles the rest)
TRIM = 0.2                       # a group's round: the share of its variants cut at each end before averaging


def looks_within(rounds: int) -> list[int]:
    """The looks a night of at most `rounds` rounds makes (its last round always one of them)."""
    looks = [n for n in LOOKS if n < rounds]
    return [*looks, rounds]


def look_alphas(looks: list[int], alpha: float = ALPHA) -> dict[int, float]:
    """The α each look spends: `alpha` in proportion to the rounds at the look (they sum to `alpha`)."""
    total = sum(looks)
    return {n: alpha * n / total for n in looks}


def log_ratios(pairs: Iterable[tuple[float, float]], sense: int) -> list[float]:
    """Per-round log(current / baseline), times `sense` (+1: a rise is worse, -1: a fall is worse); ±∞ where one
    side never reached what the other did; pairs with a zero, negative or NaN side are left out."""
    out = []
    for b, c in pairs:
        if any(math.isnan(x) for x in (b, c)) or b <= 0 or c <= 0:
            continue
        if math.isinf(b) or math.isinf(c):
            if b != c:
                out.append(sense * (math.inf if math.isinf(c) else -math.inf))
            continue
        out.append(sense * math.log(c / b))
    return out


@dataclass(frozen=True)
class Paired:
    n: int
    mean: float                  # mean log ratio, > 0 worse
    sd: float                    # its rounds' standard deviation (floored at SD_FLOOR)

    @property
    def ratio(self) -> float:
        return math.exp(self.mean)

    @property
    def _se(self) -> float:
        return self.sd / math.sqrt(self.n)

    def p(self) -> float:
        """One-sided p of "no worse" (mean <= 0)."""
        if self.n < 2:
            return 1.0
        return float(_scipy.t.sf(self.mean / self._se, self.n - 1))

    def lower(self, alpha: float) -> float:
        """The ratio's one-sided (1 - alpha) lower bound."""
        if self.n < 2:
            return 0.0
        return math.exp(self.mean - float(_scipy.t.ppf(1 - alpha, self.n - 1)) * self._se)

    def upper(self, alpha: float) -> float:
        """The ratio's one-sided (1 - alpha) upper bound."""
        if self.n < 2:
            return math.inf
        return math.exp(self.mean + float(_scipy.t.ppf(1 - alpha, self.n - 1)) * self._se)

    def smallest_visible(self, alpha: float, power: float = POWER) -> float:
        """The relative slowdown that rounds with this spread, this many, confirm with `power` at `alpha`."""
        if self.n < 2:
            return math.inf
        df = self.n - 1
        return math.exp((float(_scipy.t.ppf(1 - alpha, df)) + float(_scipy.t.ppf(power, df))) * self._se) - 1

    def text(self) -> str:
        return (f"ratio {self.ratio:.3g} (per-round spread {self.sd:.1%}) over {self.n} paired rounds, "
                f"one-sided t p={self.p():.2g}")


def paired(logs: list[float]) -> Paired:
    """The paired summary of finite per-round log ratios."""
    finite = [d for d in logs if math.isfinite(d)]
    if not finite:
        return Paired(0, 0.0, math.inf)
    sd = statistics.stdev(finite) if len(finite) > 1 else math.inf
    return Paired(len(finite), statistics.fmean(finite), max(sd, SD_FLOOR))


def round_medians(per_variant: list[dict[int, float]]) -> list[float]:
    """A group's shared shift, one number per round: a robust mean of the variants' log ratios in each round where
    at least two of them have one — the median, or from four variants on the mean without the highest and the
    lowest fifth (at least one each), so that one variant's own slowdown is not the group's while the rest still
    average their noise down."""
    rounds = sorted({r for series in per_variant for r in series})
    out = []
    for r in rounds:
        values = [series[r] for series in per_variant if r in series and math.isfinite(series[r])]
        if len(values) >= 4:
            cut = max(1, int(TRIM * len(values)))   # at least the highest and the lowest go
            out.append(statistics.fmean(sorted(values)[cut:-cut]))
        elif len(values) >= 2:
            out.append(statistics.median(values))
    return out


def family_weights(groups: dict[Hashable, float], singles: dict[Hashable, float]) -> dict[Hashable, float]:
    """Each test's share of the night's α: GROUP_SHARE over the groups, the rest over the singles (all of it to
    whichever kind is alone), within a kind in proportion to the relative weights given (e.g. how quiet the
    test's clock was tonight, known before any re-measurement)."""
    share = GROUP_SHARE if groups and singles else (1.0 if groups else 0.0)
    out = {}
    for kind, part in ((groups, share), (singles, 1 - share)):
        total = sum(kind.values())
        out.update({k: part * w / total for k, w in kind.items()})
    return out


def holm(pvalues: dict[Hashable, float], alpha: float, weights: dict[Hashable, float]) -> set[Hashable]:
    """The tests weighted Holm's step-down rejects at family-wise `alpha`. `weights` names the whole family (fixed
    before the first look; a test without a p here counts as not rejected) and each test's share of α: in order of
    p / weight, a test is rejected while p <= alpha × its weight / the weight of the family not yet rejected
    (Holm 1979; with equal weights, the classic step-down)."""
    left = sum(weights.values())
    rejected = set()
    for key, p in sorted(pvalues.items(), key=lambda kv: kv[1] / weights[kv[0]]):
        if left <= 0 or p > alpha * weights[key] / left:
            break
        rejected.add(key)
        left -= weights[key]
    return rejected
