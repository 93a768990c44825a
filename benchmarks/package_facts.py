"""Facts about the package's shape, for the note on a change: lines of Python (package and tests),
the longest function and the largest parameter count, and the import graph (modules, import arrows,
and any import that runs back up: a cycle, where a module imports, directly or not, one that
imports it).

    .venv/bin/python benchmarks/package_facts.py
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "convmixer_lab"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def lines(folder: Path) -> int:
    return sum(len(p.read_text(encoding="utf-8").splitlines()) for p in folder.rglob("*.py"))


def functions(trees: dict[str, ast.Module]) -> list[tuple[int, int, str]]:
    """(lines, parameters, name) for every function and method."""
    found = []
    for module, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                a = node.args
                params = len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs) + bool(a.vararg) + bool(a.kwarg)
                params -= bool(a.args) and a.args[0].arg in ("self", "cls")
                found.append((node.end_lineno - node.lineno + 1, params, f"{module}.{node.name}"))
    return found


def imports(module: str, tree: ast.Module, known: set[str]) -> set[str]:
    """The package modules ``module`` imports (``from x import y`` counts y when y is a module)."""
    found = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found |= {name for name in names if name in known and name != module}
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    result: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return result


def main() -> None:
    trees = {module_name(p): ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PACKAGE.rglob("*.py"))}
    known = set(trees)
    # a package's __init__ that only re-exports is not an arrow back up: count arrows between modules
    graph = {m: imports(m, tree, known) - {p for p in known if m.startswith(p + ".")}
             for m, tree in trees.items()}
    funcs = functions(trees)
    print(f"package: {lines(PACKAGE):,} lines of Python in {len(trees)} modules; "
          f"text files: {sum(len(p.read_text('utf-8').splitlines()) for p in PACKAGE.rglob('*.toml')):,} "
          f"lines of TOML; tests: {lines(ROOT / 'tests'):,} lines")
    longest = max(funcs)
    most = max(funcs, key=lambda f: f[1])
    print(f"longest function: {longest[2]} ({longest[0]} lines); most parameters: {most[2]} ({most[1]})")
    print(f"functions over 40 lines: {sum(f[0] > 40 for f in funcs)}; "
          f"over 8 parameters: {sum(f[1] > 8 for f in funcs)}")
    print(f"import graph: {len(graph)} modules, {sum(len(v) for v in graph.values())} import arrows")
    # at the level of the package's parts (a module, or a subpackage with everything in it), an import
    # runs back up when two parts import each other, directly or through others
    parts = {m: ".".join(m.split(".")[:2]) for m in graph}
    collapsed = {p: set() for p in parts.values()}
    for m, targets in graph.items():
        collapsed[parts[m]] |= {parts[t] for t in targets} - {parts[m]}
    found = cycles(graph) + cycles(collapsed)
    print("imports that run back up (cycles between modules or parts): "
          + ("none" if not found else "; ".join(" <-> ".join(c) for c in found)))


if __name__ == "__main__":
    main()
