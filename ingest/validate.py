"""Turn a file's text cells into clean order lines, or say exactly which cells are wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pandas as pd

from ingest.files import FIELDS, REQUIRED, ImportRejected, Mapping

MAX_PROBLEMS_SHOWN = 20
DATE_FORMATS = ("ISO8601", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Problem:
    row: int  # as a spreadsheet shows it: the header is row 1
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row:,}, column {self.column}: {self.reason}"


def reject(problems: list[Problem], total: int) -> ImportRejected:
    """The first problems in file order, and how many there are in all."""
    ordered = sorted(problems, key=lambda p: (p.row, p.column))
    shown = "\n".join(f"  {p}" for p in ordered[:MAX_PROBLEMS_SHOWN])
    more = f"\n  ... and {total - MAX_PROBLEMS_SHOWN:,} more" if total > MAX_PROBLEMS_SHOWN else ""
    return ImportRejected(f"{total:,} problem(s) found, nothing was imported:\n{shown}{more}", ordered)


def check_mapping(mapping: Mapping, headers: list[str]) -> None:
    cols = mapping.columns
    missing = [f for f in REQUIRED if f not in cols]
    if "product_id" not in cols and "product_name" not in cols:
        missing.append("product_id (or product_name)")
    if "unit_price" not in cols and "sales" not in cols:
        missing.append("unit_price (or sales)")
    if missing:
        looked = "; ".join(f"{m}: {', '.join(FIELDS.get(m.split()[0], ())[:4])}" for m in missing)
        raise ImportRejected(
            f"no column found for {', '.join(missing)} (looked for {looked}); name them with --mapping"
        )
    absent = [c for c in cols.values() if c not in headers]
    if absent:
        raise ImportRejected(f"the mapping names column(s) the file does not have: {', '.join(absent)}")


def _clean_numbers(text: pd.Series, decimal: str) -> pd.Series:
    s = text.str.replace("\u00a0", "", regex=False).str.replace(r"[\s$€£¥+]", "", regex=True)
    s = s.str.replace(r"^\((.*)\)$", r"-\1", regex=True)  # accounting negatives: (12.50)
    if decimal == ",":
        return s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return s.str.replace(",", "", regex=False)


def _guess_decimal(columns: list[pd.Series]) -> str:
    """',' when more values end in ',dd' (1.234,50 or 0,99) than in '.dd' (1,234.50 or 0.99)."""
    joined = pd.concat(columns) if columns else pd.Series(dtype=str)
    comma = joined.str.fullmatch(r"[-(]?[\d.\s\u00a0]*,\d{1,2}\)?").sum()
    point = joined.str.fullmatch(r"[-(]?[\d,\s\u00a0]*\.\d{1,2}\)?").sum()
    return "," if comma > point else "."


class RowValidator:
    """Collects problems cell by cell; each parse returns values aligned with the rows."""

    def __init__(self, frame: pd.DataFrame, mapping: Mapping):
        self.frame, self.mapping = frame, mapping
        self.rows = frame.index.to_numpy() + 2
        self.problems: list[Problem] = []
        self.total = 0  # all problems; only the first few per column get a message
        self.text = {
            f: frame[c].astype(str).str.replace("\u00a0", " ", regex=False).str.strip()
            for f, c in mapping.columns.items()
        }
        numeric = [self.text[f] for f in ("quantity", "unit_price", "sales", "profit", "unit_cost") if f in self.text]
        self.decimal = mapping.options.get("decimal") or _guess_decimal(numeric)

    def add(self, mask, field: str, reason_of) -> None:
        column = self.mapping.columns[field]
        positions = mask.to_numpy().nonzero()[0]
        self.total += len(positions)
        for i in positions[:MAX_PROBLEMS_SHOWN]:
            self.problems.append(Problem(int(self.rows[i]), column, reason_of(self.text[field].iloc[i])))

    def required_text(self, field: str) -> pd.Series:
        values = self.text[field]
        self.add(values == "", field, lambda _v: "is empty")
        return values

    def optional_text(self, field: str) -> list[str | None]:
        if field not in self.text:
            return [None] * len(self.frame)
        # Plain object arrays iterate far faster than pandas 3's Arrow-backed strings.
        return [v or None for v in self.text[field].to_numpy(dtype=object)]

    def numbers(self, field: str, required: bool = False, percent: bool = False) -> list[Decimal | None]:
        if field not in self.text:
            return [None] * len(self.frame)
        raw = self.text[field]
        is_percent = raw.str.endswith("%") if percent else pd.Series(False, index=raw.index)
        cleaned = _clean_numbers(raw.str.rstrip("%"), self.decimal)
        empty = cleaned == ""
        if required:
            self.add(empty, field, lambda _v: "is empty")
        self.add(~empty & ~cleaned.str.match(NUMBER), field, lambda v: f"{v!r} is not a number")
        values = [Decimal(v) if NUMBER.match(v) else None for v in cleaned.to_numpy(dtype=object)]
        if not is_percent.any():
            return values
        return [v / 100 if v is not None and p else v for v, p in zip(values, is_percent.to_numpy(), strict=True)]

    def dates(self, field: str, tz: ZoneInfo) -> list:
        raw = self.text[field]
        formats = [self.mapping.options["date_format"]] if "date_format" in self.mapping.options else DATE_FORMATS
        parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns, UTC]")
        naive = pd.Series(True, index=raw.index)
        for fmt in formats:
            todo = parsed.isna() & (raw != "")
            if not todo.any():
                break
            attempt = pd.to_datetime(raw[todo], format=fmt, errors="coerce")
            if getattr(attempt.dt, "tz", None) is None:
                attempt = attempt.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
            else:
                naive[todo] = False
            parsed[todo] = attempt.dt.tz_convert("UTC")
        self.add(raw == "", field, lambda _v: "is empty")
        self.add(parsed.isna() & (raw != ""), field, lambda v: f"{v!r} is not a date (use 2026-01-31 or 1/31/2026)")
        # The business day of each sale: local calendar date in the business time zone.
        local_dates = parsed.dt.tz_convert(tz).dt.date.to_numpy(dtype=object)
        return [None if pd.isna(d) else d for d in local_dates]


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)  # half away from zero: returns mirror sales


def normalize(frame: pd.DataFrame, mapping: Mapping, tz: ZoneInfo) -> tuple[pd.DataFrame, list[str]]:
    """Clean order lines (one per file row, in file order) and warnings; raises ImportRejected
    listing the first problems by row, column and reason."""
    check_mapping(mapping, list(frame.columns))
    v = RowValidator(frame, mapping)
    order_id = v.required_text("order_id")
    order_date = v.dates("order_date", tz)
    quantity = v.numbers("quantity", required=True)
    unit_price = v.numbers("unit_price", required="sales" not in mapping.columns)
    sales = v.numbers("sales", required="unit_price" not in mapping.columns)
    discount = v.numbers("discount", percent=True)
    profit, unit_cost = v.numbers("profit"), v.numbers("unit_cost")
    _check_ranges(v, unit_price, discount)
    if v.total:
        raise reject(v.problems, v.total)
    lines = pd.DataFrame({"row_no": v.rows, "order_id": order_id.to_numpy(), "order_date": order_date})
    _check_one_date_per_order(v, lines)
    for name in (
        "customer_id",
        "customer_name",
        "segment",
        "region",
        "city",
        "postal_code",
        "store",
        "category",
        "sub_category",
        "product_name",
    ):
        lines[name] = v.optional_text(name)
    product_id = v.optional_text("product_id")
    lines["product_id"] = [p or n for p, n in zip(product_id, lines.product_name, strict=True)]
    lines["product_name"] = [n or p for n, p in zip(lines.product_name, lines.product_id, strict=True)]
    _add_amounts(lines, quantity, unit_price, sales, discount, profit, unit_cost)
    lines["cancelled"] = _cancelled(v, mapping, lines.order_id)
    lines["line_no"] = lines.groupby("order_id", sort=False).cumcount() + 1  # same item twice: two lines
    warnings = (
        []
        if ("profit" in mapping.columns or "unit_cost" in mapping.columns)
        else ["no profit or cost column: profit is counted as 0 for these lines"]
    )
    return lines, warnings


def _check_ranges(v: RowValidator, unit_price, discount) -> None:
    if "unit_price" in v.text:
        v.add(
            pd.Series([p is not None and p < 0 for p in unit_price]),
            "unit_price",
            lambda x: f"{x!r}: a price cannot be negative",
        )
    if "discount" in v.text:
        bad = pd.Series([d is not None and not (0 <= d <= 1) for d in discount])
        v.add(bad, "discount", lambda x: f"{x!r}: a discount is between 0 and 1 (or 0% and 100%)")


def _check_one_date_per_order(v: RowValidator, lines: pd.DataFrame) -> None:
    first = lines.groupby("order_id", sort=False).order_date.transform("first")
    clash = lines.order_date != first
    if clash.any():
        v.add(
            pd.Series(clash.to_numpy()), "order_date", lambda x: f"{x!r} differs from an earlier line of the same order"
        )
        raise reject(v.problems, v.total)


def _add_amounts(lines, quantity, unit_price, sales, discount, profit, unit_cost) -> None:
    net, price, disc, prof = [], [], [], []
    for q, p, s, d, pr, c in zip(quantity, unit_price, sales, discount, profit, unit_cost, strict=True):
        d = d or Decimal(0)
        n = s if s is not None else money(q * p * (1 - d))  # the source's sales column wins
        net.append(n)
        price.append(p if p is not None else (n / q if q else n).quantize(Decimal("0.0001"), ROUND_HALF_UP))
        disc.append(d)
        prof.append(pr if pr is not None else (money(n - q * c) if c is not None else Decimal(0)))
    lines["quantity"], lines["unit_price"], lines["discount"] = quantity, price, disc
    lines["net_amount"], lines["profit"] = net, prof


def _cancelled(v: RowValidator, mapping: Mapping, order_id: pd.Series) -> list[bool]:
    """Status 'cancelled' (any spelling with 'cancel'), or the mapping's rule."""
    rule = mapping.options.get("cancelled_when", "")
    starts = re.fullmatch(r"order_id starts with (\S+)", rule.strip())
    if starts:
        return list(order_id.str.startswith(starts.group(1)))
    status = v.text.get("status")
    if status is None:
        return [False] * len(order_id)
    if rule:
        return list(status.str.lower() == rule.strip().lower())
    return list(status.str.lower().str.contains("cancel"))
