"""The one-way house (docs/architecture.md): imports run down the layers, no two packages import
each other, no circle of files, and no import hides in a function to dodge one."""

from __future__ import annotations

import functools
import textwrap
from pathlib import Path

from tests.architecture import imports

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "wecom", "scrm", "livecode", "admin")

# Top to bottom. A module belongs to the longest unit that holds it; it may import its own
# unit and any lower layer. Units of one layer are siblings: they never import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("bot",),  # the composition root: app, worker, CLI, runner, demo and their commands
    ("bot.webhooks", "bot.jobs"),  # the edges and the jobs
    ("bot.inbox",),  # what edges and jobs share: the inbox ...
    ("bot.inbox_writer", "bot.db"),  # ... its batched writer, the database wiring ...
    ("bot.group_insert",),  # ... and inserts grouped per event loop
    ("admin.app",),  # the admin sub-app: its pages, sidebar and API behind its middlewares
    ("handlers", "admin", "admin.web", "admin.sidebar", "admin.audit"),  # the features
    ("admin.api",),  # the JSON API, which the admin pages and the sidebar build on
    ("livecode",),  # live codes, welcomes and posters
    ("scrm.sync",),  # the mirror of WeCom, which applies group SOP on a group's arrival
    ("scrm.sop", "scrm.compliance", "scrm.leads"),  # scrm's areas
    ("scrm.services",),  # the only code that changes aggregates
    ("scrm.infra",),  # shared infrastructure: dispatch, logging, keys, locks, cache, clock ...
    ("scrm",),  # the data: models, enums, migrations, vault, phones, labels
    ("wecom",),  # WeCom's protocol, client and sandbox: no business rules
)

# The composition root loads a command's code when the command runs, so `scrm-bot --help`, a
# small command and each child process start without importing the whole service.
LAZY_ALLOWED = {
    "bot.cli": "each command imports only what it runs",
    "bot.runner": "each child process imports only its own kind of worker",
    "bot.lead_events_cmd": "the command imports the web app only for a replay",
}


@functools.cache
def _graph() -> imports.Graph:
    return imports.read(ROOT, PACKAGES)


def test_every_module_is_in_a_layer() -> None:
    graph = _graph()
    for module in graph.modules:
        imports.unit_of(module, LAYERS)  # raises for a module no layer holds


def test_imports_run_down_the_layers() -> None:
    graph = _graph()
    assert imports.layer_breaches(graph, LAYERS) == []


def test_no_two_packages_import_each_other() -> None:
    assert imports.packages_both_ways(_graph()) == []


def test_no_circle_of_files() -> None:
    assert imports.circles(_graph()) == []


def test_no_import_hides_in_a_function() -> None:
    assert imports.late_imports(_graph(), LAZY_ALLOWED) == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def test_the_checks_catch_each_breach(tmp_path: Path) -> None:
    """Each rule fails on a tree made to break it: an upward import, a sibling import, two
    packages importing each other, and a cycle dodged by an import inside a function."""
    root = _tree(
        tmp_path,
        {
            "top/__init__.py": "",
            "top/app.py": "from low.infra import keys\n",
            "low/__init__.py": "",
            "low/infra/__init__.py": "",
            "low/infra/keys.py": "from top import app\n",  # up
            "low/areas/__init__.py": "",
            "low/areas/a.py": "from low.areas import b\n",
            "low/areas/b.py": "def late():\n    from low.areas import a\n",  # dodged cycle
            "low/side/__init__.py": "",
            "low/side/x.py": "from low.other import y\n",  # across
            "low/other/__init__.py": "",
            "low/other/y.py": "from low.side import x\n",
        },
    )
    layers = (("top",), ("low.areas",), ("low.side", "low.other"), ("low.infra",), ("low",))
    graph = imports.read(root, ("top", "low"))
    breaches = imports.layer_breaches(graph, layers)
    assert any("low.infra.keys" in b and "(up:" in b for b in breaches)
    assert any("low.side.x" in b and "(across:" in b for b in breaches)
    assert "low.other ⇄ low.side" in imports.packages_both_ways(graph)
    assert ["low.areas.a", "low.areas.b"] in imports.circles(graph)
    assert ["low.other.y", "low.side.x"] in imports.circles(graph)
    late = imports.late_imports(graph, {})
    assert late == ["low.areas.b:2 imports low.areas.a inside a function"]
    assert imports.late_imports(graph, {"low.areas.b": "allowed"}) == []
