"""Callback answers serialized by orjson directly, with Plotly's cleaning only for what orjson
cannot write itself (Dash components, Decimals, pandas and odd numpy values).

Why: Dash writes every callback answer with plotly's to_json_plotly. That first tries orjson on
the whole answer, and when one value is not plain JSON (a Dash component: a stat card, a table
cell), it walks every value of the answer in Python to clean it, then writes it. The customers
page's answer holds its stat cards next to 1,000 top customers' rows: at 10M lines 13-40 ms of
cleaning where this takes 2-6 ms (in process, 7 filters), the other pages' answers 1-5 ms less.
Here orjson writes what it can and asks `_default` for the rest, which cleans just that value
the way Plotly does: the bytes are the same (tests/web/test_fast_json.py).
"""

from __future__ import annotations

from typing import Any

import dash._callback
import orjson
from _plotly_utils.optional_imports import get_module
from plotly.io._json import _safe, _swap_orjson, clean_to_json_compatible

# to_json_plotly's orjson options
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
_MODULES = {"sage_all": None, "np": get_module("numpy"), "pd": get_module("pandas"), "image": None}


def _default(value: Any) -> Any:
    """What orjson cannot write, as Plotly cleans it. A Dash component becomes its dict at once,
    so orjson writes its props itself instead of Plotly walking each one."""
    as_json = getattr(value, "to_plotly_json", None)
    if as_json is not None and not hasattr(value, "tolist"):  # Plotly prefers tolist
        return as_json()
    cleaned = clean_to_json_compatible(value, numpy_allowed=True, datetime_allowed=True, modules=_MODULES)
    if cleaned is value:  # Plotly left it as is: orjson would ask again
        raise TypeError(f"{type(value).__name__} is not JSON serializable")
    return cleaned


def to_json(value: Any) -> str:
    """to_json_plotly(value), the same text, without cleaning what orjson writes itself."""
    return _safe(orjson.dumps(value, default=_default, option=_OPTIONS).decode("utf8"), _swap_orjson)


def install_fast_json() -> None:
    """Make Dash write callback answers with to_json. Dash 4 names its serializer in
    dash._callback; the check fails loudly if an upgrade moves it."""
    if not callable(getattr(dash._callback, "to_json", None)):
        raise RuntimeError("dash._callback.to_json is gone: see web/fast_json.py")
    dash._callback.to_json = to_json
