"""Earlier migration modules, for later ones that reuse their SQL (their file names, which
start with a digit, are not importable names)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

VERSIONS = Path(__file__).with_name("versions")


def migration(name: str) -> ModuleType:
    """The module of versions/<name>.py, e.g. migration("0009_customer_orders")."""
    spec = importlib.util.spec_from_file_location(name, VERSIONS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def replace_once(sql: str, old: str, new: str, times: int = 1) -> str:
    """An earlier migration's sql with its one `old` (or its `times` of them) replaced by `new`.
    Raises when `old` is not there exactly so often: that migration's text changed, and the edit
    would go astray."""
    if sql.count(old) != times:
        raise RuntimeError(f"the earlier SQL changed: {old!r} is not there {times} time(s)")
    return sql.replace(old, new)


def order_after(sql: str, group_by: str, order_by: str, times: int = 1) -> str:
    """sql with `order_by` on a line of its own after its one line reading `group_by` (or each
    of its `times` such lines, indented alike), indented alike: an INSERT ... SELECT ... GROUP BY
    that writes its rows in that order."""
    lines = {line for line in sql.splitlines() if line.strip() == group_by}
    if len(lines) != 1:
        raise RuntimeError(f"the earlier SQL changed: {group_by!r} is not a line of it, indented alike")
    (line,) = lines
    return replace_once(sql, f"{line}\n", f"{line}\n{line.replace(group_by, order_by)}\n", times)
