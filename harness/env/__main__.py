"""`python -m harness.env install-light | install-cuda | light-requirements`: the steps asv's install_command
runs in each environment it builds (asv.conf.json). The name stays the same on every commit, old and new."""
import sys

from harness.env.requirements import install_cuda, install_light, light_requirements


def main(argv: list[str]) -> int:
    if argv[1:] == ["install-light"]:
        return install_light()
    if argv[1:] == ["install-cuda"]:
        return install_cuda()
    if argv[1:] == ["light-requirements"]:
        print("\n".join(light_requirements()))
        return 0
    print("usage: python -m harness.env install-light | install-cuda | light-requirements", file=sys.stderr)
    return 2


raise SystemExit(main(sys.argv))
