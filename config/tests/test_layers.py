"""Imports point one way: shared helpers, then settings and middleware, then apps upwards.

Settings and the URL map name apps by dotted strings, which Django resolves; Python imports
may only reach down. Moderation (bans, and the classifiers to come) sits above the catalog and
below live: its rules serve the catalog's uploads and live's chat and ingest, and live is
what wires a ban or a verdict to sockets and streams (live/chat/enforce.py).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Lowest first: a package may import those before it, never those after it.
LAYERS = ("common", "config", "accounts", "catalog", "moderation", "live")
# Views are reached through URL maps only: other code that needs their rules imports the
# module the rules live in (catalog.files for the media view's headers).
VIEWS = ("catalog.views", "catalog.media", "catalog.api.views")
URL_MAPS = ("catalog.urls", "catalog.media_urls", "catalog.api.urls")


def modules(package: str) -> Iterator[tuple[str, Path]]:
    """Yield the dotted name and path of every module of ``package`` but tests and migrations."""
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield ".".join(p for p in parts if p != "__init__"), path


def imports(path: Path) -> set[str]:
    """Return every module ``path`` imports, at any depth (a lazy import counts too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(f"{package}.")


@pytest.mark.parametrize("layer", LAYERS)
def test_no_package_imports_one_above_it(layer: str) -> None:
    above = LAYERS[LAYERS.index(layer) + 1 :]
    wrong = {
        f"{module} imports {name}"
        for module, path in modules(layer)
        for name in imports(path)
        if any(within(name, higher) for higher in above)
    }
    assert not wrong


def test_only_url_maps_import_views() -> None:
    wrong = {
        f"{module} imports {name}"
        for layer in LAYERS
        for module, path in modules(layer)
        if module not in URL_MAPS and not any(within(module, view) for view in VIEWS)
        for name in imports(path)
        if any(within(name, view) for view in VIEWS)
    }
    assert not wrong
