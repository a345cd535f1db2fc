"""One live-feed message -> one checked order, or the reason it cannot be stored.

The message format is documented in docs/live-feed.md. Numbers may be JSON numbers or
strings; both are read as exact decimals (never through a float).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import pandas as pd

CUSTOMER_FIELDS = ("customer_id", "customer_name", "segment", "region", "city", "postal_code")
LINE_TEXT_FIELDS = ("product_id", "product_name", "category", "sub_category")
STATUSES = ("completed", "cancelled")


class BadMessage(Exception):
    """Why a message goes to the dead-letter stream instead of the database."""


@dataclass(frozen=True)
class OrderEvent:
    entry_id: str  # the stream's id: "<ms>-<seq>", the order messages were published in
    event_id: str
    source: str
    order_id: str
    ordered_at: dt.datetime
    status: str
    customer: dict[str, str | None]
    store: str | None
    lines: tuple[dict, ...]

    @property
    def entry_key(self) -> tuple[int, int]:
        ms, seq = self.entry_id.split("-")
        return int(ms), int(seq)


def parse_event(entry_id: str, fields: dict[str, str], default_source: str) -> OrderEvent:
    raw = fields.get("order")
    if raw is None:
        raise BadMessage("the message has no 'order' field")
    try:
        order = json.loads(raw, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as exc:
        raise BadMessage(f"'order' is not JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(order, dict):
        raise BadMessage("'order' must be a JSON object")
    lines = order.get("lines")
    if not isinstance(lines, list) or not lines:
        raise BadMessage("'lines' must be a non-empty list")
    status = _text(order, "status") or "completed"
    if status not in STATUSES:
        raise BadMessage(f"status: {status!r} is not one of {', '.join(STATUSES)}")
    return OrderEvent(
        entry_id=entry_id,
        event_id=_required_text(order, "event_id"),
        source=_text(order, "source") or default_source,
        order_id=_required_text(order, "order_id"),
        ordered_at=_timestamp(order),
        status=status,
        customer={name: _text(order, name) for name in CUSTOMER_FIELDS},
        store=_text(order, "store"),
        lines=tuple(_line(line, i) for i, line in enumerate(lines, start=1)),
    )


def _text(data: dict, name: str, where: str = "") -> str | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | Decimal):
        raise BadMessage(f"{where}{name}: {value!r} is not text")
    return str(value).strip() or None


def _required_text(data: dict, name: str) -> str:
    value = _text(data, name)
    if value is None:
        raise BadMessage(f"{name} is missing")
    return value


def _timestamp(order: dict) -> dt.datetime:
    value = _required_text(order, "order_date")
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        raise BadMessage(f"order_date: {value!r} is not an ISO timestamp") from None
    if stamp.tzinfo is None:
        raise BadMessage(f"order_date: {value!r} needs a UTC offset (e.g. 2026-11-23T14:05:00+01:00)")
    return stamp


def _number(line: dict, name: str, where: str, required: bool = False) -> Decimal | None:
    value = line.get(name)
    if value is None or value == "":
        if required:
            raise BadMessage(f"{where}{name} is missing")
        return None
    if isinstance(value, bool):
        raise BadMessage(f"{where}{name}: {value!r} is not a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise BadMessage(f"{where}{name}: {value!r} is not a number") from None
    if not number.is_finite():
        raise BadMessage(f"{where}{name}: {value!r} is not a number")
    return number


def _line(line, number: int) -> dict:
    where = f"lines[{number}]."
    if not isinstance(line, dict):
        raise BadMessage(f"lines[{number}] must be an object")
    product_id = _text(line, "product_id", where)
    product_name = _text(line, "product_name", where)
    if product_id is None and product_name is None:
        raise BadMessage(f"{where}product_id (or product_name) is missing")
    price = _number(line, "unit_price", where, required=True)
    if price < 0:
        raise BadMessage(f"{where}unit_price: {price} is negative")
    discount = _number(line, "discount", where) or Decimal(0)
    if not 0 <= discount <= 1:
        raise BadMessage(f"{where}discount: {discount} is not between 0 and 1")
    cost = _number(line, "unit_cost", where)
    if cost is None:
        cost = _number(line, "cost", where)
    return {
        "product_id": product_id or product_name,
        "product_name": product_name or product_id,
        "category": _text(line, "category", where),
        "sub_category": _text(line, "sub_category", where),
        "quantity": _number(line, "quantity", where, required=True),
        "unit_price": price,
        "discount": discount,
        "unit_cost": cost,
        "profit": _number(line, "profit", where),
    }


def lines_frame(events: list[OrderEvent], tz: ZoneInfo) -> pd.DataFrame:
    """The events as order lines, in the shape ingest.validate.normalize gives a file."""
    rows = []
    for event in events:
        for line_no, line in enumerate(event.lines, start=1):
            rows.append(
                {
                    "order_id": event.order_id,
                    "ordered_at": event.ordered_at.astimezone(dt.UTC),
                    "order_date": pd.Timestamp(event.ordered_at.astimezone(tz).date()),
                    **event.customer,
                    "store": event.store,
                    **{k: (None if v is None else str(v)) for k, v in line.items()},
                    "sales": None,
                    "cancelled": event.status == "cancelled",
                    "line_no": line_no,
                }
            )
    return pd.DataFrame(rows)
