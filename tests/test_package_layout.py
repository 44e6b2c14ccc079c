"""The helper package's shape: what the notebooks teach with stays apart from the course's machinery.

Read from the source with `ast` (nothing imported): the imports between the package's modules form no
circle, no learner-facing module imports `finetune_course.course` (the chain, the translation upkeep, the
profile decision), and no function in src/ is longer than a screen.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "finetune_course"
# Entry points, not topics: the package's front door hands notebooks their settings from `course`, and the
# training command is a program that uses both.
ENTRY_POINTS = {"finetune_course", "finetune_course.train"}
LONGEST_FUNCTION = 60


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, known: set[str], root: Path = PACKAGE) -> set[str]:
    """The package's modules that `path` imports, at its top or inside a function."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            # `from . import data` imports the module data; `from . import resolve_settings`, the package
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                      for alias in node.names}
    return {module for module in found if module in known and module != name}


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    paths = sorted(root.rglob("*.py"))
    known = {module_name(path, root) for path in paths}
    return {module_name(path, root): imported_modules(path, known, root) for path in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of imports, as the modules along it, or None."""
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return trail[trail.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, trail + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def test_the_package_imports_form_no_circle():
    assert find_cycle(import_graph()) is None


def test_the_cycle_check_finds_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("module", sorted(name for name in import_graph()
                                          if not name.startswith("finetune_course.course")
                                          and name not in ENTRY_POINTS))
def test_a_learner_facing_module_does_not_import_the_course_machinery(module):
    machinery = {name for name in import_graph()[module] if name.startswith("finetune_course.course")}
    assert not machinery, f"{module} imports {sorted(machinery)}"


def test_the_import_reader_sees_relative_and_function_level_imports(tmp_path):
    package = tmp_path / "finetune_course"
    (package / "course").mkdir(parents=True)
    for name in ("__init__.py", "course/__init__.py", "course/chain.py", "plots.py"):
        (package / name).write_text("")
    (package / "plots.py").write_text("def edition():\n    from .course.chain import step_id\n")
    graph = import_graph(package)
    assert graph["finetune_course.plots"] == {"finetune_course.course.chain"}


def long_functions(root: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > LONGEST_FUNCTION:
                    found.append(f"{path.relative_to(root.parent)}: {node.name} ({lines} lines)")
    return found


def test_no_function_is_longer_than_a_screen():
    assert long_functions() == []


def test_the_length_check_finds_a_long_function(tmp_path):
    (tmp_path / "finetune_course").mkdir()
    body = "".join(f"    x{i} = {i}\n" for i in range(LONGEST_FUNCTION))
    (tmp_path / "finetune_course" / "long.py").write_text(f"def long():\n{body}")
    expected = f"finetune_course/long.py: long ({LONGEST_FUNCTION + 1} lines)"
    assert long_functions(tmp_path / "finetune_course") == [expected]
