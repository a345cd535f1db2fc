"""Imports flow one way (style.md): pages -> components/data_access; SQL stays in data_access."""

import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


FORBIDDEN = {
    "components": {"data_access", "pages", "ingest", "sqlalchemy", "psycopg"},
    "data_access": {"dash", "dash_bootstrap_components", "plotly", "components", "pages", "ingest"},
    "pages": {"sqlalchemy", "psycopg", "ingest"},
    # web/ (login, headers, metrics) asks data_access for users; it renders no pages.
    "web": {"sqlalchemy", "psycopg", "ingest", "pages", "components"},
}


# The import page is the browser front of ingest, as manage.py is its command-line front.
ALLOWED = {"pages/data.py": {"ingest"}}


@pytest.mark.parametrize("package", FORBIDDEN)
def test_imports_flow_one_way(package):
    offenders = {}
    for path in (ROOT / package).glob("*.py"):
        name = str(path.relative_to(ROOT))
        bad = _imports(path) & FORBIDDEN[package] - ALLOWED.get(name, set())
        if bad:
            offenders[name] = sorted(bad)
    assert offenders == {}


def test_pages_hold_no_sql():
    for path in (ROOT / "pages").glob("*.py"):
        source = path.read_text()
        assert not re.search(r"\bSELECT\b|\btext\(|\.execute\(|create_engine", source), path.name
