"""Reading shop exports: CSV/TSV/XLSX/Parquet as text, and matching their columns to our fields."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

# Our fields and the column names shops use for them (compared by _norm). Square and Shopify
# exports name theirs Transaction ID, Net Sales, Created at, Lineitem quantity...
FIELDS: dict[str, tuple[str, ...]] = {
    "order_id": (
        "orderid",
        "ordernumber",
        "orderno",
        "invoiceno",
        "invoice",
        "invoicenumber",
        "receiptno",
        "transactionid",
    ),
    "order_date": ("orderdate", "invoicedate", "date", "orderdatetime", "saledate", "timestamp", "createdat"),
    "customer_id": ("customerid", "customerno", "customernumber", "clientid"),
    "customer_name": ("customername", "customer", "clientname", "billingname"),
    "segment": ("segment", "customersegment", "customertype"),
    "region": ("region", "country", "state"),
    "city": ("city", "town"),
    "postal_code": ("postalcode", "zip", "zipcode", "postcode"),
    "store": ("store", "storename", "shop", "channel", "till", "location"),
    "product_id": ("productid", "sku", "stockcode", "itemcode", "itemid", "productcode", "lineitemsku"),
    "product_name": ("productname", "description", "product", "item", "itemname", "lineitemname"),
    "category": ("category", "productcategory"),
    "sub_category": ("subcategory", "productsubcategory"),
    "quantity": ("quantity", "qty", "units", "qtysold", "quantitysold", "lineitemquantity"),
    "unit_price": ("unitprice", "price", "priceeach", "lineitemprice"),
    "sales": ("sales", "amount", "netamount", "total", "linetotal", "revenue", "netsales"),
    "discount": ("discount", "discountrate"),
    "profit": ("profit",),
    "unit_cost": ("unitcost", "cost", "costeach"),
    "status": ("status", "orderstatus"),
}
REQUIRED = ("order_id", "order_date", "quantity")
TITLE_ROWS_MAX = 20  # how far down a report's title, date and empty rows may push its header
SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods", ".parquet"}
WORKBOOKS = {".xlsx", ".xlsm", ".xls", ".ods"}  # Excel, Excel 97-2003 (older tills), LibreOffice


class ImportRejected(Exception):
    """The file cannot be imported; the message says why, and problems lists where."""

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class Mapping:
    columns: dict[str, str]  # our field -> the file's column
    options: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return "\n".join(f"  {ours:<14} <- {theirs}" for ours, theirs in self.columns.items())


def _norm(name: str) -> str:
    """'Order #' and 'Order No.' alike: lower case, no spaces, _, - or dots, '#' read as 'no'."""
    return re.sub(r"[\s_\-.]+", "", str(name).strip().lower().replace("\ufeff", "").replace("#", "no"))


def detect_mapping(headers: list[str]) -> Mapping:
    """Match the file's headers to our fields by common names; the first match wins."""
    by_norm = {_norm(h): h for h in headers}
    columns = {}
    for ours, names in FIELDS.items():
        for name in (_norm(ours), *names):
            if name in by_norm and by_norm[name] not in columns.values():
                columns[ours] = by_norm[name]
                break
    if _norm(columns.get("unit_price", "")).startswith("lineitem") and _norm(columns.get("sales", "")) == "total":
        del columns["sales"]  # Shopify: Total is the order's, with shipping and taxes, on its first line only
    return Mapping(columns)


def load_mapping(path: Path) -> Mapping:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ImportRejected(f"mapping file {path}: {exc}") from None
    unknown = set(data.get("columns", {})) - set(FIELDS)
    if unknown:
        raise ImportRejected(f"mapping file {path}: unknown field(s) {', '.join(sorted(unknown))}")
    return Mapping(dict(data.get("columns", {})), {k: str(v) for k, v in data.get("options", {}).items()})


def file_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def read_table(path: Path, raw: bytes, options: dict[str, str]) -> pd.DataFrame:
    """Every cell as text (postal codes keep their zeros); one-line reasons for unreadable files."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ImportRejected(
            f"{path.name}: unsupported file type {suffix or '(none)'}; use .csv, .tsv, .xlsx, .xls, .ods or .parquet"
        )
    if not raw.strip():
        raise ImportRejected(f"{path.name}: the file is empty")
    try:
        if suffix in WORKBOOKS:
            frame = _order_lines_sheet(raw, suffix)
        elif suffix == ".parquet":
            frame = pd.read_parquet(io.BytesIO(raw)).astype(str).replace({"None": "", "nan": "", "NaT": ""})
        else:
            frame = _read_text_table(raw, suffix, options)
    except ImportRejected:
        raise
    except Exception as exc:  # pandas/openpyxl/pyarrow raise many types for a bad file
        raise ImportRejected(f"{path.name}: not a readable {suffix[1:].upper()} file ({type(exc).__name__})") from None
    if frame.empty:
        raise ImportRejected(f"{path.name}: the file has a header but no rows")
    return frame


def _read_text_table(raw: bytes, suffix: str, options: dict[str, str]) -> pd.DataFrame:
    if b"\x00" in raw[:4096]:
        raise ImportRejected("this looks like a binary file, not CSV text")
    encoding = options.get("encoding")
    if encoding is None:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")  # Windows exports: curly quotes, €
    else:
        text = raw.decode(encoding)
    titles = _header_row(_split_lines(text[:65536]))
    if titles:
        text = text.split("\n", titles)[titles]
    sample = text[:65536]
    delimiter = "\t" if suffix == ".tsv" else _sniff_delimiter(sample)
    frame = _parse_with_arrow(text, delimiter)
    if frame is None:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, skipinitialspace=False)
    frame.index += titles  # rows keep the numbers the file shows them under
    return frame


def _header_row(rows) -> int:
    """Which row is the header: the first with two cells or more filled. Reports and tills put a
    title, a date or empty rows above it (each at most one cell filled, even padded to the width
    of the table the way Excel saves them)."""
    for i, row in enumerate(itertools.islice(rows, TITLE_ROWS_MAX)):
        if sum(bool(str(cell).strip()) for cell in row) >= 2:
            return i
    return 0


def _split_lines(sample: str):
    """A text file's first lines as cells, each line split at the delimiter it looks like it uses."""
    for line in sample.split("\n", TITLE_ROWS_MAX)[:TITLE_ROWS_MAX]:
        yield next(csv.reader([line], delimiter=_sniff_delimiter(line)), [])


def _order_lines_sheet(raw: bytes, suffix: str) -> pd.DataFrame:
    """The workbook's first sheet whose headers name an order id, a date and a quantity (a report
    may open with a summary sheet); the first sheet when none does. Calamine reads the formats
    openpyxl does not (.xls, .ods); .xlsx stays with openpyxl, whose cells earlier imports read.
    With more than one sheet, the frame's attrs["sheet"] names the one read (the Data page says it)."""
    book = pd.ExcelFile(io.BytesIO(raw), engine="calamine" if suffix in {".xls", ".ods"} else "openpyxl")
    first = None
    for name in book.sheet_names:
        frame = _below_header(pd.read_excel(book, sheet_name=name, dtype=str, keep_default_na=False, header=None))
        if len(book.sheet_names) > 1:
            frame.attrs["sheet"] = name
        if all(field in detect_mapping(list(frame.columns)).columns for field in REQUIRED):
            return frame
        first = frame if first is None else first
    return first


def _below_header(sheet: pd.DataFrame) -> pd.DataFrame:
    """A sheet read without a header, as a table under its header row. Its index stays such that
    index + 2 is the row number the spreadsheet shows (the header being row 1 when it comes first)."""
    top = _header_row(sheet.head(TITLE_ROWS_MAX).itertuples(index=False))
    names, seen = [], {}
    for position, cell in enumerate(sheet.iloc[top] if len(sheet) else []):
        name = str(cell) if str(cell).strip() else f"Unnamed: {position}"  # as given: mappings name it so
        seen[name] = seen.get(name, -1) + 1
        names.append(f"{name}.{seen[name]}" if seen[name] else name)  # pandas' way with repeated names
    frame = sheet.iloc[top + 1 :].set_axis(names, axis=1)
    frame.index -= 1
    return frame


def _parse_with_arrow(text: str, delimiter: str) -> pd.DataFrame | None:
    """Arrow's multi-threaded CSV parser, every cell as text: 5x pandas' on a 200k-line file.
    None when the file needs pandas' leniency (repeated header names, ragged rows)."""
    header = next(csv.reader(io.StringIO(text[:65536]), delimiter=delimiter), [])
    if not header or len(set(header)) != len(header):
        return None
    try:
        table = pa_csv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pa_csv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    return table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get)


def _sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample.split("\n", 5)[0] + "\n", delimiters=",;\t|").delimiter
    except csv.Error:
        return ","
