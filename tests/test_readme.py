"""The README a newcomer reads: short, its two set-up commands first, and its "What changed when" table the one
the committed records give (benchmarks/scripts/what_changed_when.py)."""
import importlib.util
import re

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_the_readme_is_short_and_starts_with_the_two_commands():
    assert len(README.splitlines()) <= 200
    block = re.search(r"```bash\n(.*?)```", README, re.S).group(1)
    assert ".venv/bin/fitbench run" in block and ".venv/bin/python -m pytest" in block
    assert README.index("```bash") < README.index("\n## ")


def test_what_changed_when_is_generated_from_the_committed_records():
    spec = importlib.util.spec_from_file_location("wcw", ROOT / "benchmarks/scripts/what_changed_when.py")
    wcw = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(wcw)
    assert wcw.START in README and wcw.END in README
    assert wcw.replaced(README, wcw.table()) == README, \
        "README's table and the records disagree: python benchmarks/scripts/what_changed_when.py"
    body = README.split(wcw.START)[1].split(wcw.END)[0]
    assert body.count("\n| ") >= 5  # the header, the rule, and changes
