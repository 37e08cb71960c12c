"""The house's import directions: crawler -> pipelines -> cleaning, and inside each package
the stages of its folders, with no import circle anywhere (imports inside functions count)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping

from tests.conftest import ROOT

PACKAGES = ("cleaning", "pipelines", "crawler")

# Each module group may import the groups listed (and itself). A module belongs to the
# longest group prefix of its name. The package __init__ files are facades: they may
# import anything inside their own package.
ALLOWED: dict[str, set[str]] = {
    # the pure core: base modules, then rules, then the modes
    "cleaning.record": set(),
    "cleaning.words": set(),
    "cleaning.tree": set(),
    "cleaning.rules": {"cleaning.words"},
    "cleaning.text": {"cleaning.rules", "cleaning.record", "cleaning.words"},
    "cleaning.metadata": {"cleaning.tree", "cleaning.words"},
    "cleaning.html": {
        "cleaning.text", "cleaning.metadata", "cleaning.rules",
        "cleaning.record", "cleaning.words", "cleaning.tree",
    },
    # I/O: the store, the rule files, the local batch and the crawl side, the CLI on top
    "pipelines.rulefiles": {"cleaning"},
    "pipelines.store": {"cleaning"},
    "pipelines.batch": {"pipelines.store", "pipelines.rulefiles", "cleaning"},
    "pipelines.crawl": {"pipelines.store", "pipelines.rulefiles", "cleaning"},
    "pipelines.cli": {"pipelines", "cleaning"},
    # the Scrapy project: the top layer
    "crawler": {"pipelines", "cleaning"},
}
FACADES = {"cleaning": "cleaning", "pipelines": "pipelines"}
# Where pipelines may name crawler code in a string (Scrapy's settings module), and only there.
NAMED_BY_STRING = {"pipelines.crawl.run": {"crawler.settings"}}


def module_files() -> dict[str, str]:
    """{module name: source} of every module of the three packages."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path.read_text(encoding="utf-8")
    return found


def import_graph(sources: Mapping[str, str]) -> dict[str, set[str]]:
    """{module: project modules it imports}, from every import statement of its source."""
    known = set(sources)
    graph: dict[str, set[str]] = {}
    for name, source in sources.items():
        is_package = f"{name}.__init__" in sources or any(k.startswith(name + ".") for k in known)
        targets: set[str] = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.add(sub if sub in known else base)
        graph[name] = {_known_prefix(t, known) for t in targets if t.split(".")[0] in PACKAGES} - {
            name
        }
    return graph


def _known_prefix(target: str, known: set[str]) -> str:
    parts = target.split(".")
    while parts and ".".join(parts) not in known:
        parts.pop()
    return ".".join(parts) or target


def group_of(module: str) -> str:
    for group in sorted(ALLOWED, key=len, reverse=True):
        if module == group or module.startswith(group + "."):
            return group
    return module


def wrong_way(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Every import that goes against the allowed directions, as 'a -> b'."""
    bad = []
    for module, targets in sorted(graph.items()):
        source = group_of(module)
        for target in sorted(targets):
            if module in FACADES and target.startswith(FACADES[module] + "."):
                continue
            dest = group_of(target)
            if dest == source or any(dest == a or dest.startswith(a + ".") for a in ALLOWED.get(source, ())):
                continue
            bad.append(f"{module} -> {target}")
    return bad


def circles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The import circles (strongly connected components of more than one module), by Tarjan."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def crawler_strings(sources: Mapping[str, str]) -> list[str]:
    """Strings in cleaning and pipelines that name a crawler module, outside NAMED_BY_STRING
    (docstrings, which only talk about code, aside)."""
    bad = []
    for name, source in sources.items():
        if name.startswith("crawler"):
            continue
        tree = ast.parse(source)
        prose = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
        for node in ast.walk(tree):
            if id(node) in prose:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for ref in re.findall(r"\bcrawler(?:\.\w+)+", node.value):
                    if ref not in NAMED_BY_STRING.get(name, set()):
                        bad.append(f"{name}: {ref}")
    return bad


def test_every_project_module_belongs_to_a_declared_group() -> None:
    for module in module_files():
        if module in PACKAGES:
            continue
        assert group_of(module) in ALLOWED, f"{module}: add its folder to ALLOWED"


def test_imports_flow_one_way() -> None:
    assert wrong_way(import_graph(module_files())) == []


def test_no_import_circle() -> None:
    assert circles(import_graph(module_files())) == []


def test_pipelines_names_crawler_only_through_scrapys_settings_module() -> None:
    assert crawler_strings(module_files()) == []


def test_a_wrong_way_import_or_a_circle_is_caught() -> None:
    sources = module_files()
    graph = import_graph(sources)
    assert "cleaning.rules.patterns" in graph["cleaning.text.matcher"]  # the graph sees real imports
    # the circles this layout removed, put back
    graph["cleaning.rules.engine"].add("cleaning.text.clean")
    graph["pipelines.crawl.run"].add("crawler.spiders.news")
    assert "cleaning.rules.engine -> cleaning.text.clean" in wrong_way(graph)
    assert "pipelines.crawl.run -> crawler.spiders.news" in wrong_way(graph)
    assert any("cleaning.rules.engine" in c and "cleaning.text.clean" in c for c in circles(graph))
    # a function-level import counts as much as a top-level one
    sources["cleaning.metadata.page"] += "\n\ndef late():\n    from cleaning.html.dom import DomPlan\n"
    assert "cleaning.metadata.page -> cleaning.html.dom" in wrong_way(import_graph(sources))
    sources["pipelines.store.rows"] += "\nSPIDER = 'crawler.spiders.news'\n"
    assert crawler_strings(sources) == ["pipelines.store.rows: crawler.spiders.news"]
