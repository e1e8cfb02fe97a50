"""CPU time quotas: a run condition that slows the same code on the same machine (what `docker --cpus` sets).

A process in a cgroup whose CPU bandwidth is capped (cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`, v2
`cpu.max`) gets at most that many CPUs' worth of time per period. Records keep the quota among their run
conditions (harness/env/conditions.py), so that re-measuring a side (harness/verdict/sides.py) can run
it under the same quota: `quota_group()` makes (or reuses) a cgroup with it, and `enter()` moves the calling
process into it (run in a child between fork and exec). Where cgroups cannot be written (not root, a read-only
hierarchy), `quota_group` raises PermissionError with the reason. Linux only; elsewhere there is no quota.
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PREFIX = "fitbench-quota"


def _own_group() -> tuple[str, Path] | None:
    """("v1" | "v2", this process's cpu cgroup folder), or None where there is none to read."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "cpu" in controllers.split(",") and (ROOT / "cpu").is_dir():
            return "v1", ROOT / "cpu" / path.lstrip("/")
    for line in lines:
        if line.startswith("0::"):
            return "v2", ROOT / line[3:].lstrip("/")
    return None


def current_quota() -> dict[str, float] | None:
    """{"cpus": quota / period, "period_us": period} of this process's cgroup; None without a quota."""
    found = _own_group()
    try:
        if found and found[0] == "v1":
            quota = int((found[1] / "cpu.cfs_quota_us").read_text())
            period = int((found[1] / "cpu.cfs_period_us").read_text())
        elif found:
            text = (found[1] / "cpu.max").read_text().split()
            if text[0] == "max":
                return None
            quota, period = int(text[0]), int(text[1])
        else:
            return None
    except (OSError, ValueError, IndexError):
        return None
    return {"cpus": round(quota / period, 4), "period_us": period} if quota > 0 else None


def quota_group(cpus: float, period_us: int = 10_000) -> Path:
    """A cgroup capped at `cpus` CPUs' time per `period_us`, made once and reused; PermissionError where this
    process cannot make or set one."""
    found = _own_group()
    if not found:
        raise PermissionError("no cgroup hierarchy to set a CPU quota in")
    version, _ = found
    base = ROOT / "cpu" if version == "v1" else ROOT
    group = base / f"{PREFIX}-{cpus:g}-{period_us}"
    try:
        group.mkdir(exist_ok=True)
        quota = int(round(cpus * period_us))
        if version == "v1":
            (group / "cpu.cfs_period_us").write_text(str(period_us))
            (group / "cpu.cfs_quota_us").write_text(str(quota))
        else:
            (group / "cpu.max").write_text(f"{quota} {period_us}")
    except OSError as exc:
        raise PermissionError(f"cannot set a CPU quota of {cpus:g} CPUs in {group}: {exc.strerror or exc}") from None
    return group


def enter(group: Path) -> None:
    """Move this process into `group` (called in a child before exec: the child and its workers inherit it)."""
    target = group / ("tasks" if (group / "tasks").exists() else "cgroup.procs")
    target.write_text(str(os.getpid()))
