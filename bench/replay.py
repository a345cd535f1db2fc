"""Replay a page's data callbacks the way the browser sends them (POST /_dash-update-component).

Used by the row-level-limit tests (a viewer's answers against an admin's filtered ones) and by
the benchmark. `post(path, body)` sends one request and returns (status, JSON or None): a Flask
test client in tests, an HTTP session against a running app in benchmarks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Post = Callable[[str, dict], tuple[int, Any]]
FILTER_STATE = "filter-state"
ROUTER = "_pages_content.children"


@dataclass(frozen=True)
class CallbackRequest:
    page: str
    output: str
    body: dict


def _outputs(output: str) -> list[dict]:
    """'..a.figure...b.children..' or 'a.figure' -> [{"id": "a", "property": "figure"}, ...]."""
    parts = output.strip(".").split("...") if output.startswith("..") else [output]
    result = []
    for part in parts:
        component, prop = part.rsplit(".", 1)
        result.append({"id": component, "property": prop})
    return result


def page_components(post: Post, dependencies: list[dict], path: str) -> dict[str, dict]:
    """{component id: props} of the layout the router serves for path (initial values)."""
    router = next(d for d in dependencies if ROUTER in d["output"])
    body = {
        "output": router["output"],
        "outputs": _outputs(router["output"]),
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
    status, answer = post("/_dash-update-component", body)
    if status != 200:
        raise RuntimeError(f"the layout of {path} answered {status}")
    found: dict[str, dict] = {}
    _collect(answer["response"]["_pages_content"]["children"], found)
    return found


def _collect(node: Any, found: dict[str, dict]) -> None:
    if isinstance(node, list):
        for child in node:
            _collect(child, found)
    elif isinstance(node, dict) and "props" in node:
        props = node["props"]
        if isinstance(props.get("id"), str):
            found[props["id"]] = props
        for value in props.values():
            _collect(value, found)


def data_callbacks(dependencies: list[dict], page_prefix: str) -> Iterator[dict]:
    """The page's server callbacks that read the global filter (what redraws its numbers)."""
    for dep in dependencies:
        if dep.get("clientside_function") or "@" in dep["output"]:
            continue
        reads_filter = any(i["id"] == FILTER_STATE for i in dep["inputs"])
        if reads_filter and dep["output"].lstrip(".").startswith(page_prefix):
            yield dep


def callback_body(dep: dict, components: dict[str, dict], state: dict) -> dict:
    def value(item: dict) -> dict:
        current = state if item["id"] == FILTER_STATE else components.get(item["id"], {}).get(item["property"])
        return {"id": item["id"], "property": item["property"], "value": current}

    return {
        "output": dep["output"],
        "outputs": _outputs(dep["output"]) if dep["output"].startswith("..") else _outputs(dep["output"])[0],
        "inputs": [value(i) for i in dep["inputs"]],
        "state": [value(s) for s in dep["state"]],
        "changedPropIds": [f"{FILTER_STATE}.data"],
    }


def page_requests(post: Post, dependencies: list[dict], path: str, prefix: str, state: dict) -> list[CallbackRequest]:
    components = page_components(post, dependencies, path)
    return [
        CallbackRequest(path, dep["output"], callback_body(dep, components, state))
        for dep in data_callbacks(dependencies, prefix)
    ]


# page path -> component id prefix (style.md: ids carry their page's prefix)
PAGES = {"/": "overview-", "/products": "products-", "/customers": "customers-", "/segments": "segments-"}
