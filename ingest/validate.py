"""Turn a file's text cells into clean order lines, or say exactly which cells are wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingest.files import FIELDS, REQUIRED, ImportRejected, Mapping

MAX_PROBLEMS_SHOWN = 20
GUESS_SAMPLE = 20_000  # values enough to tell 1.234,50 from 1,234.50
# Tried in turn on the cells not yet read: US tills write 11/3/26 and 3:45 PM, reports and
# Excel's "Medium Date" month names (05-Nov-2026). Slashed dates as listed are month first;
# RowValidator.dates swaps them when the file or the mapping says the day comes first.
DATE_FORMATS = (
    "ISO8601", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y",
    "%m/%d/%Y %I:%M %p", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%y", "%m/%d/%y %H:%M", "%m/%d/%y %I:%M %p", "%d.%m.%y",
    "%d-%b-%Y", "%d %b %Y", "%b %d, %Y", "%d %B %Y", "%B %d, %Y",
)  # fmt: skip
NUMBER = r"-?\d+(\.\d+)?"
TOTALS = r"(grand |sub)?totals?:?"


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


def _bare_amounts(text: pd.Series) -> pd.Series:
    """Amounts without spaces, signs of currency or currency codes ('€ 1.234,50', 'EUR 12,00',
    '12.00 USD'), their minus in front: accounting (12.50), SAP's 12.50- and the typographic −12.50."""
    s = text.str.replace("\u00a0", "", regex=False).str.replace(r"[\s$€£¥+]", "", regex=True)
    s = s.str.replace(r"^[A-Z]{3}(?=[-\u2212(\d.,])|(?<=[\d)-])[A-Z]{3}$", "", regex=True)
    s = s.str.replace("\u2212", "-", regex=False)
    return s.str.replace(r"^\((.*)\)$", r"-\1", regex=True).str.replace(r"^([\d.,]+)-$", r"-\1", regex=True)


def _clean_numbers(text: pd.Series, decimal: str) -> pd.Series:
    s = _bare_amounts(text)
    if decimal == ",":
        return s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return s.str.replace(",", "", regex=False)


def _guess_decimal(columns: list[pd.Series]) -> str:
    """',' when more values end in ',dd' (1.234,50 or 0,99) than in '.dd' (1,234.50 or 0.99)."""
    with_comma = [c[c.str.contains(",", regex=False)] for c in columns]
    joined = pd.concat(with_comma) if with_comma else pd.Series(dtype=str)
    if joined.empty:  # no comma anywhere: nothing to guess (the common case, decided in one pass)
        return "."
    joined = _bare_amounts(pd.concat([joined.head(GUESS_SAMPLE), pd.concat(columns).head(GUESS_SAMPLE)]))
    comma = joined.str.fullmatch(r"[-(]?[\d.\s\u00a0]*,\d{1,2}\)?").sum()
    point = joined.str.fullmatch(r"[-(]?[\d,\s\u00a0]*\.\d{1,2}\)?").sum()
    return "," if comma > point else "."


class RowValidator:
    """Collects problems cell by cell; each parse returns values aligned with the rows."""

    def __init__(self, frame: pd.DataFrame, mapping: Mapping):
        self.frame, self.mapping = frame, mapping
        self.rows = frame.index.to_numpy() + 2
        self.problems: list[Problem] = []
        self.notes: list[str] = []  # what the import should be told though nothing is wrong
        self.total = 0  # all problems; only the first few per column get a message
        self.text = {
            f: frame[c].astype(str).str.replace("\u00a0", " ", regex=False).str.strip()
            for f, c in mapping.columns.items()
        }
        numeric = [self.text[f] for f in ("quantity", "unit_price", "sales", "profit", "unit_cost") if f in self.text]
        self.decimal = mapping.options.get("decimal") or _guess_decimal(numeric)

    def add(self, mask: pd.Series, field: str, reason_of) -> None:
        if field not in self.mapping.columns or not mask.any():
            return
        column = self.mapping.columns[field]
        positions = mask.to_numpy().nonzero()[0]
        self.total += len(positions)
        for i in positions[:MAX_PROBLEMS_SHOWN]:
            self.problems.append(Problem(int(self.rows[i]), column, reason_of(self.text[field].iloc[i])))

    def required_text(self, field: str) -> pd.Series:
        values = self.text[field]
        self.add(values == "", field, lambda _v: "is empty")
        return values

    def optional_text(self, field: str) -> pd.Series:
        if field not in self.text:
            return pd.Series(None, index=self.frame.index, dtype=object)
        values = self.text[field]
        return values.where(values != "", None)

    def numbers(self, field: str, required: bool = False, percent: bool = False) -> pd.Series:
        """Exact decimal text ('-12.50') or missing: PostgreSQL casts it to numeric, so a value
        never passes through a float on its way in."""
        if field not in self.text:
            return pd.Series(None, index=self.frame.index, dtype=object)
        raw = self.text[field]
        plain = raw.str.fullmatch(NUMBER)
        empty = raw == ""
        if (plain | empty).all():  # already clean (most machine exports): skip the cleaning
            cleaned, valid = raw, plain
        else:
            cleaned = _clean_numbers(raw.str.rstrip("%"), self.decimal)
            empty = cleaned == ""
            valid = cleaned.str.fullmatch(NUMBER)
        if required:
            self.add(empty, field, lambda _v: "is empty")
        self.add(~empty & ~valid, field, lambda v: f"{v!r} is not a number")
        values = cleaned.where(valid)
        if percent:
            is_percent = raw.str.endswith("%") & valid
            if is_percent.any():  # '15%' -> '0.15', exactly
                values[is_percent] = [str(Decimal(v) / 100) for v in values[is_percent]]
        return values

    def dates(self, field: str, tz: ZoneInfo) -> pd.Series:
        raw = self.text[field]
        order = self.mapping.options.get("date_order", "")  # day, month, or told by the values
        if "date_format" in self.mapping.options:
            formats = [self.mapping.options["date_format"]]
        elif order == "day" or (not order and _slashed_day_first(raw, self.notes)):
            formats = [f.replace("%m/%d", "%d/%m") for f in DATE_FORMATS]
        else:
            formats = DATE_FORMATS
        parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns, UTC]")
        for fmt in formats:
            todo = parsed.isna() & (raw != "")
            if not todo.any():
                break
            attempt = pd.to_datetime(raw[todo], format=fmt, errors="coerce")
            if getattr(attempt.dt, "tz", None) is None:
                attempt = attempt.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
            parsed[todo] = attempt.dt.tz_convert("UTC")
        self.add(raw == "", field, lambda _v: "is empty")
        self.add(parsed.isna() & (raw != ""), field, lambda v: f"{v!r} is not a date (use 2026-01-31 or 1/31/2026)")
        # The business day of each sale: local calendar date in the business time zone.
        return parsed.dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()


def _slashed_day_first(raw: pd.Series, notes: list[str]) -> bool:
    """Whether a file writes its slashed dates day first (13/11/2026), as shops outside the US do.
    Told by the values: a first number over 12 means day first, a second one month first. When
    neither says, they are read month first and notes says so; when both do, they are read month
    first too, and the day-first ones are then rejected as not dates."""
    slashed = raw[raw.str.contains("/", regex=False)]
    if slashed.empty:
        return False
    parts = slashed.str.extract(r"^(\d{1,2})/(\d{1,2})/\d{2,4}\b").dropna().astype(int)
    first_over, second_over = (parts[0] > 12).any(), (parts[1] > 12).any()
    if first_over and not second_over:
        return True
    if not second_over and (parts[0] != parts[1]).any():
        example = slashed[(parts[0] != parts[1]).reindex(slashed.index, fill_value=False)].iloc[0]
        notes.append(
            f"dates such as {example} were read month first (nothing in the file says which comes first); "
            'if the day does, use Dates: day first on the Data page or date_order = "day" in a mapping '
            "file's [options], after undoing the import if it was made"
        )
    return False


def normalize(frame: pd.DataFrame, mapping: Mapping, tz: ZoneInfo) -> tuple[pd.DataFrame, list[str]]:
    """Clean order lines (one per file row, in file order) and warnings; raises ImportRejected
    listing the first problems by row, column and reason. Numbers stay exact decimal text;
    amounts a file leaves out (sales, unit price, profit) are derived in the load's SQL."""
    check_mapping(mapping, list(frame.columns))
    blank = _blank_rows(frame)
    totals = _totals_rows(frame, mapping) & ~blank
    frame = frame[~(blank | totals)]  # keeps the index: rows are still numbered as the file shows them
    if frame.empty:
        raise ImportRejected("the file has no lines under its header, only empty or totals rows")
    frame, continued = _continued_orders(frame, mapping)
    v = RowValidator(frame, mapping)
    lines = pd.DataFrame({"row_no": v.rows}, index=frame.index)
    lines["order_id"] = v.required_text("order_id")
    lines["order_date"] = v.dates("order_date", tz)
    lines["quantity"] = v.numbers("quantity", required=True)
    lines["unit_price"] = v.numbers("unit_price", required="sales" not in mapping.columns)
    lines["sales"] = v.numbers("sales", required="unit_price" not in mapping.columns)
    lines["discount"] = v.numbers("discount", percent=True)
    lines["profit"], lines["unit_cost"] = v.numbers("profit"), v.numbers("unit_cost")
    for name in TEXT_FIELDS:
        lines[name] = v.optional_text(name)
    lines["product_id"] = lines.product_id.fillna(lines.product_name)
    lines["product_name"] = lines.product_name.fillna(lines.product_id)
    product_field = "product_id" if "product_id" in mapping.columns else "product_name"
    v.add(lines.product_id.isna(), product_field, lambda _v: "is empty (a line needs a product id or name)")
    _check_ranges(v, lines)
    if v.total:
        raise reject(v.problems, v.total)
    _check_one_date_per_order(v, lines)
    lines["cancelled"] = _cancelled(v, mapping, lines.order_id)
    lines["line_no"] = lines.groupby("order_id", sort=False).cumcount() + 1  # same item twice: two lines
    warnings = (
        []
        if ("profit" in mapping.columns or "unit_cost" in mapping.columns)
        else ["no profit or cost column: profit is counted as 0 for these lines"]
    )
    warnings += v.notes
    warnings += [_skipped(rows, kind) for rows, kind in ((blank, "empty"), (totals, "totals")) if rows.any()]
    if continued.any():
        warnings.append(_continued(continued))
    return lines.reset_index(drop=True), warnings


def _blank_rows(frame: pd.DataFrame) -> pd.Series:
    """Rows whose every cell is empty or spaces: a spreadsheet saved as CSV ends in ',,,,' rows
    and a sheet has empty rows between its data and a totals row. They hold no line to import.
    Column by column over the rows still blank, so a file without any costs one pass of one column."""
    candidates = np.arange(len(frame))
    for column in range(frame.shape[1]):
        cells = frame.iloc[candidates, column].astype(str).str.strip()
        candidates = candidates[(cells == "").to_numpy()]
        if not len(candidates):
            break
    blank = np.zeros(len(frame), dtype=bool)
    blank[candidates] = True
    return pd.Series(blank, index=frame.index)


def _totals_rows(frame: pd.DataFrame, mapping: Mapping) -> pd.Series:
    """Rows a report adds under its lines: no order date, no product and a cell saying Total,
    Subtotal or Grand total. Without a date or a product no such row could be a line."""
    totals = pd.Series(False, index=frame.index)
    columns = [mapping.columns.get(f) for f in ("order_date", "product_id", "product_name")]
    columns = [c for c in columns if c in frame.columns]
    if mapping.columns.get("order_date") not in columns:
        return totals
    rest = frame
    for column in columns:  # the date first: most files have one on every row, and that ends it
        rest = rest[rest[column].astype(str).str.strip() == ""]
    for column in rest.columns:
        said = rest[column].astype(str).str.strip().str.fullmatch(TOTALS, case=False)
        totals.loc[said[said].index] = True
    return totals


def _continued_orders(frame: pd.DataFrame, mapping: Mapping) -> tuple[pd.DataFrame, pd.Series]:
    """Grouped reports write an order's id and date on its first line only. A line with neither,
    under a line that has them, belongs to that order: both are filled down (a copy) and the
    lines named. A line missing only one of them is still a problem."""
    order_id, order_date = mapping.columns.get("order_id"), mapping.columns.get("order_date")
    if order_id not in frame.columns or order_date not in frame.columns:
        return frame, pd.Series(False, index=frame.index)
    given = {c: frame[c].astype(str).str.strip().replace("", np.nan) for c in (order_id, order_date)}
    open_ = given[order_id].isna() & given[order_date].isna()
    filled = {c: values.ffill() for c, values in given.items()}
    continued = open_ & filled[order_id].notna() & filled[order_date].notna()
    if not continued.any():
        return frame, continued
    frame = frame.copy()
    for column, values in filled.items():
        frame.loc[continued, column] = values[continued]
    return frame, continued


def _skipped(rows: pd.Series, kind: str) -> str:
    count, where = _where(rows)
    return f"skipped {count:,} {kind} {'row' if count == 1 else 'rows'} {where}"


def _continued(rows: pd.Series) -> str:
    count, where = _where(rows)
    lines = "line" if count == 1 else "lines"
    return f"{count:,} {lines} without an order id or date taken as further lines of the order above {where}"


def _where(rows: pd.Series) -> tuple[int, str]:
    """How many rows are marked, and '(rows 3, 5, 6)' as the file numbers them (first five)."""
    numbers = rows.index[rows.to_numpy()] + 2
    shown = ", ".join(f"{r:,}" for r in numbers[:5]) + (", ..." if len(numbers) > 5 else "")
    return len(numbers), f"({'row' if len(numbers) == 1 else 'rows'} {shown})"


TEXT_FIELDS = (
    "customer_id", "customer_name", "segment", "region", "city", "postal_code", "store", "category",
    "sub_category", "product_id", "product_name",
)  # fmt: skip


def _check_ranges(v: RowValidator, lines: pd.DataFrame) -> None:
    # Floats only decide the sign and the range here; the stored values stay exact text.
    price = _as_float(lines.unit_price)
    v.add(pd.Series(price < 0), "unit_price", lambda x: f"{x!r}: a price cannot be negative")
    discount = _as_float(lines.discount)
    v.add(
        pd.Series((discount < 0) | (discount > 1)),
        "discount",
        lambda x: f"{x!r}: a discount is between 0 and 1 (or 0% and 100%)",
    )


def _as_float(values: pd.Series) -> np.ndarray:
    """Validated number text as floats (NaN where missing), by Arrow's cast: 15x pandas' to_numeric."""
    return pc.cast(pa.array(values, type=pa.string()), pa.float64()).to_numpy(zero_copy_only=False)


def _check_one_date_per_order(v: RowValidator, lines: pd.DataFrame) -> None:
    first = lines.groupby("order_id", sort=False).order_date.transform("first")
    clash = lines.order_date != first
    if clash.any():
        v.add(clash, "order_date", lambda x: f"{x!r} differs from an earlier line of the same order")
        raise reject(v.problems, v.total)


def _cancelled(v: RowValidator, mapping: Mapping, order_id: pd.Series) -> pd.Series:
    """Status 'cancelled' (any spelling with 'cancel'), or the mapping's rule."""
    rule = mapping.options.get("cancelled_when", "")
    starts = re.fullmatch(r"order_id starts with (\S+)", rule.strip())
    if starts:
        return order_id.str.startswith(starts.group(1)).astype(bool)
    status = v.text.get("status")
    if status is None:
        return pd.Series(False, index=order_id.index)
    if rule:
        return (status.str.lower() == rule.strip().lower()).astype(bool)
    return status.str.lower().str.contains("cancel").astype(bool)
