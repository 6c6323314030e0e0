"""Fail when our code reaches into a library's private parts.

Private modules and members change without notice between releases; code that uses them
breaks silently on an upgrade. This check reads the source (it imports only the libraries
whose classes we subclass, to see what a subclass overrides) and reports:

* an import of a private module of any library (a dotted name with a part beginning with
  `_`, e.g. `dagster._core.storage`), or of anything but the top-level package of Dagster
  and dagster-dbt, whose public API is what their top-level namespaces export;
* an attribute beginning with `_` read from a library module or object
  (`multiprocessing.util._exit_function`, `os._exit`), and `os.nice`;
* a subclass of a library class that defines a `_`-prefixed member the library class already
  has (an override of its private implementation).

Usage: python .ci/check_public_api.py DIR [DIR ...]; exit status 1 when anything is found.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

OUR_PACKAGES = {"pipelines", "dashboards", "benchmarks", "tests"}
TOP_LEVEL_ONLY = {"dagster", "dagster_dbt"}
BANNED_ATTRIBUTES = {("os", "nice")}


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def is_ours(module: str) -> bool:
    return module.split(".")[0] in OUR_PACKAGES


class Checker(ast.NodeVisitor):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []
        # local name → dotted path of the library object it was imported as
        self.imported: dict[str, str] = {}

    def report(self, node: ast.AST, message: str) -> None:
        self.problems.append(f"{self.path}:{node.lineno}: {message}")

    def check_module(self, node: ast.AST, module: str) -> None:
        if is_ours(module):
            return
        parts = module.split(".")
        if any(is_private(part) for part in parts):
            self.report(node, f"import of the private module {module}")
        elif parts[0] in TOP_LEVEL_ONLY and len(parts) > 1:
            self.report(node, f"import from {module}: use the public API of {parts[0]}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.check_module(node, alias.name)
            if not is_ours(alias.name):
                local = alias.asname or alias.name.split(".")[0]
                self.imported[local] = alias.name if alias.asname else local

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or node.module is None:
            return
        self.check_module(node, node.module)
        if is_ours(node.module):
            return
        for alias in node.names:
            if is_private(alias.name):
                self.report(node, f"import of the private name {node.module}.{alias.name}")
            self.imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def visit_Attribute(self, node: ast.Attribute) -> None:
        root = self.library_path(node.value)
        if root is not None:
            if is_private(node.attr):
                self.report(node, f"use of the private member {root}.{node.attr}")
            if (root, node.attr) in BANNED_ATTRIBUTES:
                self.report(node, f"use of {root}.{node.attr}")
        self.generic_visit(node)

    def library_path(self, node: ast.AST) -> str | None:
        """The dotted library path an expression such as `multiprocessing.util` names."""
        if isinstance(node, ast.Name):
            return self.imported.get(node.id)
        if isinstance(node, ast.Attribute):
            parent = self.library_path(node.value)
            return None if parent is None else f"{parent}.{node.attr}"
        return None

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            path = self.library_path(base)
            library_class = resolve(path) if path else None
            if library_class is None:
                continue
            for member in members(node):
                if is_private(member) and hasattr(library_class, member):
                    self.report(node, f"{node.name} overrides the private {path}.{member}")
        self.generic_visit(node)


def members(node: ast.ClassDef) -> Iterator[str]:
    for item in node.body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            yield item.name
        elif isinstance(item, ast.Assign):
            yield from (target.id for target in item.targets if isinstance(target, ast.Name))
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            yield item.target.id


def resolve(path: str) -> type | None:
    """The class a dotted path names, or None when it is not an importable class."""
    module, _, name = path.rpartition(".")
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError):
        return None
    return found if isinstance(found, type) else None


def check(paths: list[Path]) -> list[str]:
    problems = []
    for root in paths:
        for path in sorted(root.rglob("*.py")):
            checker = Checker(path)
            checker.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
            problems += checker.problems
    return problems


def main(argv: list[str]) -> int:
    problems = check([Path(arg) for arg in argv])
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} use(s) of private APIs; see .ci/check_public_api.py")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
