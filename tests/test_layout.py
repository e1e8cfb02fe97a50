"""The codebase's shape, checked: folders are concepts, data flows one way, and nothing under harness/ knows a
case. These read the source (AST), run nothing, and take a second."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import cases
from harness.results import metrics
from harness.spec.config import PROCEDURES, RunConfig
from tests.conftest import ROOT

HARNESS = ROOT / "harness"
MAX_LINES = 400
MAX_FUNCTION_LINES = 60
TENSORFLOW = ("tensorflow", "tf_keras", "keras")


def modules() -> dict[str, Path]:
    """{dotted name: path} of every module under harness/."""
    out = {}
    for path in sorted(HARNESS.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports(path: Path, name: str) -> set[str]:
    """Every module `path` imports, at the top or inside a function (a lazy import is still a dependency)."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    out = {}
    for name, path in mods.items():
        targets = set()
        for imported in imports(path, name):
            # "harness.results.fmt.number" -> the longest module name it starts with
            while imported and imported not in mods:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and imported != "harness":
                targets.add(imported)
        out[name] = targets
    return out


def test_the_import_graph_has_no_cycle():
    edges = graph()
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])


def test_no_module_is_over_400_lines():
    long = {name: n for name, path in modules().items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, f"split these (over {MAX_LINES} lines): {long}"


def test_only_train_imports_tensorflow():
    offenders = {}
    for name, path in modules().items():
        if name.startswith("harness.train"):
            continue
        found = {i for i in imports(path, name) if i.split(".")[0] in TENSORFLOW}
        if found:
            offenders[name] = sorted(found)
    assert not offenders, f"TensorFlow imported outside harness/train/: {offenders}"


def test_no_case_id_under_harness():
    """harness/ runs, shows and compares any case; only cases/ names them. A case id that is also a word of the
    pipeline's own vocabulary (a RunConfig field, a procedure, a registered metric: `initial_loss`, `run_eagerly`)
    is that word there, not the case."""
    vocabulary = set(PROCEDURES) | set(RunConfig.__dataclass_fields__) | set(metrics.BY_NAME)
    found = []
    for path in HARNESS.rglob("*"):
        if path.suffix not in (".py", ".j2"):
            continue
        text = path.read_text()
        found += [f"{path.relative_to(ROOT)}: {case_id}" for case_id in cases.CASE_IDS
                  if case_id not in vocabulary and case_id in text]
    assert not found, found


def test_every_folder_of_harness_says_what_it_is():
    for folder in [HARNESS, *(p for p in HARNESS.rglob("*") if p.is_dir() and p.name not in ("__pycache__",
                                                                                             "templates", "accuracy"))]:
        init = folder / "__init__.py"
        assert init.is_file() and ast.get_docstring(ast.parse(init.read_text())), f"{folder}: no docstring"


def test_every_module_opens_with_its_intent():
    missing = [name for name, path in modules().items() if not ast.get_docstring(ast.parse(path.read_text()))]
    assert not missing, missing


def test_no_function_is_over_60_lines():
    long = [f"{name}.{node.name}: {node.end_lineno - node.lineno + 1}" for name, path in modules().items()
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long, f"split these (over {MAX_FUNCTION_LINES} lines): {long}"


def implemented_procedures() -> list[str]:
    """The names harness/ registers implementations under: every `@implements("name")`, read from the source."""
    found = []
    for path in modules().values():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found += [d.args[0].value for d in node.decorator_list if isinstance(d, ast.Call)
                          and getattr(d.func, "id", getattr(d.func, "attr", None)) == "implements"
                          and d.args and isinstance(d.args[0], ast.Constant)]
    return found


def test_the_procedure_registry_is_in_sync():
    """One registry (harness/spec/procedures.py): each name the spec declares is implemented once under
    harness/train/, and nothing is implemented that the spec does not declare."""
    from harness.spec.procedures import NAMES

    implemented = implemented_procedures()
    assert sorted(implemented) == sorted(NAMES), f"spec: {sorted(NAMES)}, implemented: {sorted(implemented)}"


def rendered_sections() -> list[tuple[str, str, str]]:
    """(module, section, page) of every `@renders("name", PAGE)` under harness/report/sections/, read from the
    source; PAGE is one of harness/spec/sections.py's page constants."""
    from harness.spec import sections

    found = []
    for path in sorted((HARNESS / "report" / "sections").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found += [(path.stem, d.args[0].value, getattr(sections, d.args[1].id)) for d in node.decorator_list
                          if isinstance(d, ast.Call) and getattr(d.func, "id", None) == "renders"]
    return found


def test_the_section_registry_is_in_sync():
    """One registry (harness/spec/sections.py): each section declared there is rendered once on each page it is
    declared for, by the module of its own name in harness/report/sections/; every module there renders a
    section; and every section a case names is one a case may ask for."""
    from harness.spec.sections import ASKED, SPECS

    rendered = rendered_sections()
    declared = sorted((name, page) for name, spec in SPECS.items() for page in spec.pages)
    assert sorted((name, page) for _, name, page in rendered) == declared
    assert [(m, name) for m, name, _ in rendered if m != name] == [], "a section lives in the module of its name"
    modules = {p.stem for p in (HARNESS / "report" / "sections").glob("*.py")} - {"__init__"}
    assert modules == {m for m, _, _ in rendered}, f"not sections: {modules - {m for m, _, _ in rendered}}"
    asked = {(case.id, s) for case in cases.all_cases() for s in case.sections}
    assert {s for _, s in asked} <= set(ASKED), sorted(x for x in asked if x[1] not in ASKED)


def registered_checks(decorator: str, folder: Path) -> list[tuple[str, str]]:
    """(module, check) of every `@decorator("name")` under `folder`, read from the source: the doctor's judgements
    (`judges`) or the worker's steps (`measures`), harness/spec/checks.py's two registrations."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found += [(path.stem, d.args[0].value) for d in node.decorator_list if isinstance(d, ast.Call)
                          and getattr(d.func, "id", getattr(d.func, "attr", None)) == decorator
                          and d.args and isinstance(d.args[0], ast.Constant)]
    return found


def test_the_check_registry_is_in_sync():
    """One registry (harness/spec/checks.py): each doctor check declared there is judged once, in a module of
    harness/doctor/checks/, and each one declared measured has one step, in harness/train/checkup/measures.py;
    nothing is judged or measured that is not declared, every module in doctor/checks/ judges a check, and the
    packages the doctor and the worker import register them all."""
    from harness.spec import checks

    judged = registered_checks("judges", HARNESS)
    measured = registered_checks("measures", HARNESS)
    assert sorted(name for _, name in judged) == sorted(checks.NAMES), "a check with no judgement, or two"
    assert sorted(name for _, name in measured) == sorted(checks.MEASURED), "a measured check with no step, or two"
    families = {p.stem for p in (HARNESS / "doctor" / "checks").glob("*.py")} - {"__init__"}
    assert {m for m, _ in judged} == families, f"judgements outside doctor/checks/ or modules judging nothing"
    assert {m for m, _ in measured} == {"measures"}, "steps outside harness/train/checkup/measures.py"
    import harness.doctor.checks  # noqa: F401
    import harness.train.checkup.procedure  # noqa: F401 (the worker's loop, which imports the steps)
    assert checks.unjudged() == [] and checks.unmeasured() == []
