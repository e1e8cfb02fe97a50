"""`fitbench list`: every case and variant, one line each, with the chapter's claim per device."""
from __future__ import annotations

import argparse

HELP = "cases and variants, one line each"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    import cases

    for case in cases.all_cases():
        print(f"{case.id}: {case.title}")
        for v in case.variants:
            claims = ", ".join(f"{d}→{s}" for d, s in v.claims.items())
            print(f"  {case.id + ':' + v.name:<48} [{v.role}] {claims}")
    return 0
