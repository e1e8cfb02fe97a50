"""What the report's pictures share: small multiples that wrap (a few panels per row, shared axes) instead of one
row or one column that grows with the number of environments, and a save that keeps every image within MAX_PX on
both sides, however many columns a report has. A cell's colour is its verdict (harness/report/cells.py), never
its symptom: one colour language for pictures and tables."""
from __future__ import annotations

import math
from pathlib import Path
import matplotlib.pyplot as plt

import harness.report.common  # noqa: F401  (the Agg backend, set before pyplot draws anything)

MAX_PX = 2500          # no image taller or wider: a screen or two, never a strip to scroll through
DPI = 90


def panels(n: int, width: float = 4.0, height: float = 2.8, ncols: int = 3, legend: float = 0.0,
           sharex: bool = True, sharey: bool = True) -> tuple[plt.Figure, list[plt.Axes]]:
    """n panels, `ncols` to a row, the figure sized for them (plus `legend` inches on the right); the axes of
    unused cells are removed. Axes are shared, so that panels compare at a glance."""
    ncols = max(1, min(ncols, n))
    nrows = max(1, math.ceil(n / ncols))
    fig, grid = plt.subplots(nrows, ncols, figsize=(width * ncols + legend, height * nrows + 0.7), squeeze=False,
                             sharex=sharex, sharey=sharey, layout="constrained")
    axes = [ax for row in grid for ax in row]
    for ax in axes[n:]:
        ax.remove()
    for ax in axes[:n]:  # a shared x axis shows its labels under the bottom row only; one row may be short
        ax.tick_params(labelbottom=True)
    return fig, axes[:n]


def save_figure(fig: plt.Figure, path: Path, dpi: int = DPI) -> Path:
    """Writes the figure at `dpi`, or less where its size would make a side of the image exceed MAX_PX. The
    figures are laid out by matplotlib's constrained layout (legends "outside" included), so the image is the
    figure's size: no tight bounding box to compute, one drawing instead of three."""
    inches = max(fig.get_figwidth(), fig.get_figheight())
    fig.savefig(path, dpi=min(dpi, math.floor((MAX_PX - 10) / inches)))
    plt.close(fig)
    return path
