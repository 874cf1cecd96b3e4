"""The shape of the imports between app modules, read from the source with `ast`: every import counts,
including those inside functions and under `TYPE_CHECKING`, since each ties one module to another."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(APP.rglob("*.py"))}


def _imported(module: str, path: Path) -> Iterator[str]:
    """Every name an import statement of the module refers to, resolved to absolute dotted names."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # `from app.core import errors` imports the module `app.core.errors`.
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in _modules() else base


@cache
def _graph() -> dict[str, frozenset[str]]:
    modules = _modules()
    graph: dict[str, frozenset[str]] = {}
    for module, path in modules.items():
        targets = set()
        for name in _imported(module, path):
            # `import app.core.errors` names a module; `from app.x import y` may name an attribute of one.
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != "app" and name != module:
                targets.add(name)
        graph[module] = frozenset(targets)
    return graph


def _cycles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _imports_of(prefix: str) -> dict[str, frozenset[str]]:
    return {m: targets for m, targets in _graph().items() if m == prefix or m.startswith(prefix + ".")}


def test_the_graph_is_read() -> None:
    graph = _graph()
    assert len(graph) > 100
    assert "app.core.errors" in graph["app.core.etag"]  # `from app.core.errors import ...`
    assert "app.core.jsonlimits" in graph["app.core.pagination"]  # `from app.core import jsonlimits`
    assert "app.events.store" in graph["app.workflow.service"]
    assert _cycles(
        {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset()}
    ) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_core_imports_no_other_app_package() -> None:
    outside = {
        module: sorted(t for t in targets if not t.startswith("app.core"))
        for module, targets in _imports_of("app.core").items()
    }
    assert {m: ts for m, ts in outside.items() if ts} == {}


def test_events_know_nothing_of_webhooks() -> None:
    webhooks = {
        module: sorted(t for t in targets if t == "app.webhooks" or t.startswith("app.webhooks."))
        for module, targets in _imports_of("app.events").items()
    }
    assert {m: ts for m, ts in webhooks.items() if ts} == {}
