"""The project's import graph read from source (ast), and the rules of docs/architecture.md
checked against it: layers, no two packages importing each other, no circle of files, and
function-level imports only where the composition root loads a command's code lazily."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module of this tree
    line: int
    in_function: bool


@dataclass
class Graph:
    modules: dict[str, Path] = field(default_factory=dict)
    imports: list[Import] = field(default_factory=list)

    def edges(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {m: set() for m in self.modules}
        for imp in self.imports:
            out[imp.source].add(imp.target)
        return out


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _known(graph: Graph, name: str) -> str | None:
    """The module of this tree that `name` names, or the package that holds it."""
    while name:
        if name in graph.modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _targets(graph: Graph, module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [t for a in node.names if (t := _known(graph, a.name))]
    base = node.module or ""
    if node.level:  # relative: from the importing module's package
        package = module.split(".")
        if graph.modules[module].name != "__init__.py":
            package = package[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    # `from pkg import sub` imports the submodule; other names come from `pkg` itself.
    subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in graph.modules]
    found = list(subs)
    if len(subs) < len(node.names) and (t := _known(graph, base)):
        found.append(t)
    return found


def read(root: Path, packages: Iterable[str]) -> Graph:
    graph = Graph()
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            graph.modules[_module_name(root, path)] = path
    for module, path in graph.modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        in_function: set[int] = set()
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                in_function.update(id(n) for n in ast.walk(fn))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _targets(graph, module, node):
                    if target != module:
                        graph.imports.append(
                            Import(module, target, node.lineno, id(node) in in_function)
                        )
    return graph


def unit_of(module: str, layers: Sequence[Sequence[str]]) -> tuple[int, str]:
    """(layer index, unit): the longest unit prefix that holds `module`."""
    best: tuple[int, str] | None = None
    for index, units in enumerate(layers):
        for unit in units:
            if (module == unit or module.startswith(unit + ".")) and (
                best is None or len(unit) > len(best[1])
            ):
                best = (index, unit)
    if best is None:
        raise LookupError(f"{module} is in no layer")
    return best


def layer_breaches(graph: Graph, layers: Sequence[Sequence[str]]) -> list[str]:
    """An import may go down to a lower layer, or stay inside its own unit; never up, and
    never across to a sibling unit of the same layer."""
    found = []
    for imp in graph.imports:
        (src_layer, src_unit), (dst_layer, dst_unit) = (
            unit_of(imp.source, layers),
            unit_of(imp.target, layers),
        )
        if dst_layer > src_layer or dst_unit == src_unit:
            continue
        how = "up" if dst_layer < src_layer else "across"
        found.append(
            f"{imp.source}:{imp.line} imports {imp.target} ({how}: {src_unit} → {dst_unit})"
        )
    return found


def packages_both_ways(graph: Graph) -> list[str]:
    """Packages (folders, at every depth) that import each other."""

    def package(module: str) -> str:
        is_init = graph.modules[module].name == "__init__.py"
        return module if is_init else module.rpartition(".")[0]

    pairs: set[tuple[str, str]] = set()
    for imp in graph.imports:
        a, b = package(imp.source).split("."), package(imp.target).split(".")
        # compare the two folders just below their common ancestor
        depth = 0
        while depth < min(len(a), len(b)) and a[depth] == b[depth]:
            depth += 1
        if depth < len(a) and depth < len(b):
            pairs.add((".".join(a[: depth + 1]), ".".join(b[: depth + 1])))
    return sorted(f"{a} ⇄ {b}" for a, b in pairs if a < b and (b, a) in pairs)


def circles(graph: Graph) -> list[list[str]]:
    """Strongly connected sets of files (Tarjan), counting function-level imports: an import
    moved into a function to dodge a cycle still closes it here."""
    edges = graph.edges()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                member, ring = "", []
                while member != node:
                    member = stack.pop()
                    on_stack.discard(member)
                    ring.append(member)
                if len(ring) > 1:
                    found.append(sorted(ring))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return found


def late_imports(graph: Graph, allowed: dict[str, str]) -> list[str]:
    """Imports of this tree made inside a function, outside the modules allowed to."""
    return [
        f"{imp.source}:{imp.line} imports {imp.target} inside a function"
        for imp in graph.imports
        if imp.in_function and imp.source not in allowed
    ]
