"""`python -m harness.env install-light [--today] | install-cuda | light-requirements`: the steps asv's
install_command runs in each environment it builds (asv.conf.json; harness/env/asv.py). The names stay the same
on every commit, old and new."""
import sys

from harness.env.asv import main as asv_step
from harness.env.requirements import light_requirements


def main(argv: list[str]) -> int:
    if argv[1:2] in (["install-light"], ["install-cuda"]) and set(argv[2:]) <= {"--today"}:
        return asv_step(argv[1], argv[2:])
    if argv[1:] == ["light-requirements"]:
        print("\n".join(light_requirements()))
        return 0
    print("usage: python -m harness.env install-light [--today] | install-cuda | light-requirements", file=sys.stderr)
    return 2


raise SystemExit(main(sys.argv))
