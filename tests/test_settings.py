"""Every FITBENCH_* variable is declared once (harness/settings.py), read through it, and documented in
docs/settings.md: a name used anywhere in the code but not declared, or declared but not documented, fails."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness import settings

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"FITBENCH_[A-Z_]+[A-Z]")


def _used() -> dict[str, str]:
    used = {}
    for path in [*ROOT.joinpath("harness").rglob("*.py"), ROOT / "benchmarks" / "benchmarks.py"]:
        for name in NAME.findall(path.read_text()):
            used.setdefault(name, str(path.relative_to(ROOT)))
    return used


def test_every_variable_the_code_names_is_declared():
    missing = {n: where for n, where in _used().items() if n not in settings.BY_NAME}
    assert not missing, f"declare these in harness/settings.py: {missing}"


def test_every_declared_variable_is_used_and_documented():
    used, docs = _used(), (ROOT / "docs" / "settings.md").read_text()
    assert [v.name for v in settings.VARIABLES if v.name not in used] == []
    assert settings.table() in docs, "docs/settings.md is stale: regenerate its table from harness/settings.py"


def test_reads_go_through_settings_at_call_time():
    direct = [f"{p.relative_to(ROOT)}:{n}" for p in ROOT.joinpath("harness").rglob("*.py") if p.name != "settings.py"
              for n, line in enumerate(p.read_text().splitlines(), 1)
              if re.search(r"environ(\.get\(|\[)\s*[\"']FITBENCH_", line) and "=" not in line.split("environ")[1][:3]
              and not re.search(r"environ\[[\"']FITBENCH_\w+[\"']\]\s*=", line)]
    assert direct == []


def test_a_value_set_after_import_is_heard(monkeypatch):
    from harness.verdict import noise

    monkeypatch.setenv("FITBENCH_NOISE_K", "5")
    assert noise.k() == 5.0
    monkeypatch.delenv("FITBENCH_NOISE_K")
    assert noise.k() == 3.0


def test_an_undeclared_name_is_a_bug():
    with pytest.raises(KeyError):
        settings.get("FITBENCH_TYPO")
