"""When re-measured samples say a number really changed: asv's rule, reused from asv itself.

asv (`asv compare`, asv/_stats.py) counts a change only when the ratio of the two results passes a factor *and*
the samples differ significantly: a two-sided Mann–Whitney U test at p < 0.002 where there are enough samples
for that test to reach 0.002, otherwise the two medians' 99 % confidence intervals (asv_runner's
`compute_stats`: order statistics, widened by a Laplace posterior where there are few samples) must not overlap.
Too few samples can never count. fitbench applies it to fresh, interleaved re-measurements (harness/verdict/
confirm.py), never to the samples that raised the suspicion, and asks for at least MIN_SAMPLES per side.

One deliberate difference: asv switches to the U test when its *one-sided* minimum p-value is below the
threshold, which at 6 + 6 samples picks a test that cannot reach 0.002 two-sided (its smallest p is 0.0022), so
6 + 6 samples could never count while 5 + 5 could; here the switch uses the two-sided minimum.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from asv import _stats
from asv_runner.statistics import compute_stats

P_THRESHOLD = 0.002
MIN_SAMPLES = 5


@dataclass(frozen=True)
class Test:
    ratio: float                       # median(current) / median(baseline)
    low: float                         # the ratio's interval, from the two medians' 99 % intervals
    high: float
    significant: bool
    method: str                        # how significance was decided, for the reader
    n: tuple[int, int]                 # samples: (baseline, current)

    def passes(self, factor: float, sense: int) -> bool:
        """Significant, and the ratio beyond `factor` the way `sense` calls worse (+1: a rise, -1: a fall);
        sense 0: either way."""
        beyond = self.ratio > 1 + factor if sense >= 0 else False
        beyond |= self.ratio < 1 / (1 + factor) if sense <= 0 else False
        return self.significant and beyond and min(self.n) >= MIN_SAMPLES

    def text(self) -> str:
        interval = f"[{self.low:.3g}, {self.high:.3g}]" if math.isfinite(self.low) and math.isfinite(self.high) \
            else "[unbounded]"
        return f"ratio {self.ratio:.3g} {interval} from {self.n[0]} + {self.n[1]} samples, {self.method}"


def _two_sided_p_min(m: int, n: int) -> float:
    return 2 / _stats.binom(m + n, min(m, n))


def _ci(samples: list[float]) -> tuple[float, float]:
    stats = compute_stats(samples, 1)[1]
    return stats["ci_99_a"], stats["ci_99_b"]


def compare_samples(base: list[float], cur: list[float], p_threshold: float = P_THRESHOLD) -> Test:
    """asv's test on two lists of samples (each at least one, finite)."""
    a = [x for x in base if math.isfinite(x)]
    b = [x for x in cur if math.isfinite(x)]
    if not a or not b:
        raise ValueError("compare_samples needs a finite sample on each side")
    med_a, med_b = statistics.median(a), statistics.median(b)
    ratio = med_b / med_a if med_a else (math.inf if med_b > 0 else 1.0 if med_b == 0 else -math.inf)
    ci_a, ci_b = _ci(a), _ci(b)
    if _two_sided_p_min(len(a), len(b)) < p_threshold:
        _, p = _stats.mann_whitney_u(a, b)
        significant, method = p < p_threshold, f"Mann–Whitney U p={p:.2g}"
    else:
        apart = ci_a[1] < ci_b[0] or ci_b[1] < ci_a[0]
        significant = apart
        method = "99 % intervals " + ("apart" if apart else "overlap")
    low, high = _ratio_interval(ci_a, ci_b)
    return Test(ratio, low, high, significant, method, (len(a), len(b)))


def _ratio_interval(ci_a: tuple[float, float], ci_b: tuple[float, float]) -> tuple[float, float]:
    """Bounds of median(b)/median(a) from each median's interval (for positive numbers; else unbounded)."""
    if ci_a[0] <= 0 or not all(map(math.isfinite, (*ci_a, *ci_b))):
        return -math.inf, math.inf
    return ci_b[0] / ci_a[1], ci_b[1] / ci_a[0]


def compare_strata(pairs: list[tuple[list[float], list[float]]]) -> tuple[float, float]:
    """One shift across several variants: each variant's Mann–Whitney U (how often a current sample exceeds a
    baseline one, ties half) summed over the variants, against that sum's null distribution — a stratified rank
    test (van Elteren's, with equal weights), normal approximation; ties left out of the variance, which only
    makes it more cautious. Returns (z, two-sided p); z > 0 where the current samples are larger."""
    total = mean = var = 0.0
    for a, b in pairs:
        m, n = len(a), len(b)
        total += sum(1.0 if y > x else 0.5 if y == x else 0.0 for x in a for y in b)
        mean += m * n / 2
        var += m * n * (m + n + 1) / 12
    if var <= 0:
        return 0.0, 1.0
    z = (total - mean) / math.sqrt(var)
    return z, math.erfc(abs(z) / math.sqrt(2))
