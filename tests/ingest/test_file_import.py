"""Importing real-looking shop exports: every quirk of issue 4 in a small file of its own.

Each test runs against its own fresh database and checks the result with plain SQL.
"""

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from data_access.rollup_check import assert_rollups_exact
from ingest.file_import import import_file, import_summary, undo_import
from ingest.files import ImportRejected, read_table
from ingest.migrate import migrate
from tests.conftest import create_database

HEADER = "Order ID,Order Date,Customer ID,Customer Name,Segment,Region,Postal Code,Product ID,Product Name,Category,Sub-Category,Quantity,Unit Price,Discount,Profit\r\n"


@pytest.fixture
def engine(pg_server_url, request):
    name = "imp_" + request.node.name.lower()[-40:].replace("[", "_").replace("]", "").replace("-", "_")
    eng = create_engine(create_database(pg_server_url, name))
    migrate(eng)
    yield eng
    eng.dispose()


def _write(tmp_path, name, content, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


def _one(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).one()


def _all(engine, sql, **params):
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params).all()]


# Fact rows pointing nowhere: the fact tables have no FKs (migration 0003), so the loader's
# key handling is checked after every load, replacement and undo instead.
ORPHANS = """
SELECT (SELECT count(*) FROM order_lines l WHERE NOT EXISTS (SELECT FROM orders o WHERE o.order_key = l.order_key))
     + (SELECT count(*) FROM order_lines l WHERE NOT EXISTS (SELECT FROM products p WHERE p.product_key = l.product_key))
     + (SELECT count(*) FROM orders o WHERE o.customer_key IS NOT NULL
          AND NOT EXISTS (SELECT FROM customers c WHERE c.customer_key = o.customer_key))
     + (SELECT count(*) FROM orders o WHERE o.store_key IS NOT NULL
          AND NOT EXISTS (SELECT FROM stores s WHERE s.store_key = o.store_key)) AS n
"""


def _totals(engine):
    assert _one(engine, ORPHANS).n == 0
    assert_rollups_exact(engine)  # every load, replacement and undo keeps the rollups exact
    return _one(
        engine,
        "SELECT coalesce(sum(l.net_amount), 0) AS sales, coalesce(sum(l.profit), 0) AS profit, count(*) AS lines, "
        "count(DISTINCT o.order_id) AS orders FROM order_lines l JOIN orders o USING (order_key) "
        "WHERE o.status <> 'cancelled'",
    )


def test_plain_csv_with_detected_mapping(engine, tmp_path):
    csv = HEADER + (
        "A-1,2026-01-05,C1,Alice,Consumer,North,02134,P1,Desk Chair,Furniture,Chairs,2,100.00,0,80.00\r\n"
        'A-1,2026-01-05,C1,Alice,Consumer,North,02134,P2,"Paper, A4 ""premium""",Office Supplies,Paper,10,5,0.1,25\r\n'
        "A-2,2026-01-20,,,,,,P1,Desk Chair,Furniture,Chairs,1,100,0,40\r\n"
    )
    result = import_file(engine, _write(tmp_path, "shop.csv", csv))
    assert result.mapping.columns["postal_code"] == "Postal Code"
    assert (result.rows_read, result.orders) == (3, 2)
    totals = _totals(engine)
    assert (totals.sales, totals.profit, totals.lines, totals.orders) == (Decimal("345.00"), Decimal("145.00"), 3, 2)
    assert _one(engine, "SELECT name FROM products WHERE product_id = 'P2'").name == 'Paper, A4 "premium"'
    assert _one(engine, "SELECT postal_code FROM customers WHERE customer_id = 'C1'").postal_code == "02134"
    assert _one(engine, "SELECT customer_key FROM orders WHERE order_id = 'A-2'").customer_key is None
    assert _one(engine, "SELECT version FROM data_state").version == 1


@pytest.mark.parametrize(
    "headers, expected",
    [
        (  # a till's item export (Square)
            [
                "Date",
                "Time",
                "Category",
                "Item",
                "Qty",
                "SKU",
                "Gross Sales",
                "Discounts",
                "Net Sales",
                "Transaction ID",
            ],
            {"order_id": "Transaction ID", "order_date": "Date", "quantity": "Qty", "sales": "Net Sales"},
        ),
        (  # a web shop's order export (Shopify)
            [
                "Name",
                "Created at",
                "Total",
                "Lineitem quantity",
                "Lineitem name",
                "Lineitem price",
                "Lineitem sku",
                "Billing Name",
            ],
            {"order_date": "Created at", "quantity": "Lineitem quantity", "unit_price": "Lineitem price"}
            | {"product_id": "Lineitem sku", "product_name": "Lineitem name", "customer_name": "Billing Name"},
        ),
        (["Invoice #", "Order Date", "Item", "Qty Sold", "Price"], {"order_id": "Invoice #", "quantity": "Qty Sold"}),
    ],
)
def test_columns_are_matched_by_the_names_tills_and_shops_use(headers, expected):
    from ingest.files import detect_mapping

    columns = detect_mapping(headers).columns
    assert {field: columns.get(field) for field in expected} == expected
    assert "discount" not in columns  # Square's Discounts is an amount, not a rate
    assert columns.get("sales") in (None, "Net Sales")  # Shopify's Total is the order's, not a line's


def test_windows_1252_with_curly_quotes_and_non_breaking_spaces(engine, tmp_path):
    csv = (
        HEADER
        + "W-1,3/7/2026,C9,Zoë O’Brien,Consumer,South,30301,P7,“Deluxe” Lamp,Furniture,Furnishings,1,1\u00a0234.50,0,34.50\r\n"
    )
    import_file(engine, _write(tmp_path, "till.csv", csv, encoding="cp1252"))
    assert _one(engine, "SELECT name FROM products WHERE product_id = 'P7'").name == "“Deluxe” Lamp"
    assert _one(engine, "SELECT name FROM customers WHERE customer_id = 'C9'").name == "Zoë O’Brien"
    assert _totals(engine).sales == Decimal("1234.50")
    assert _one(engine, "SELECT order_date FROM orders").order_date == dt.date(2026, 3, 7)  # US M/D/YYYY


def test_bom_iso_dates_timestamps_and_semicolons_with_decimal_commas(engine, tmp_path):
    csv = "\ufeffOrder ID;Order Date;Product ID;Quantity;Unit Price\n1;2026-01-05 18:30:00;P1;2;1.234,50\n2;2026-01-06;P1;1;0,99\n"
    import_file(engine, _write(tmp_path, "eu.csv", csv))
    assert _totals(engine).sales == Decimal("2469.99")


def test_dates_as_tills_and_reports_write_them(engine, tmp_path):
    written = ["05-Nov-2026", "6 Nov 2026", '"Nov 7, 2026"', "8 November 2026", '"November 9, 2026"']
    written += ["11/10/2026 3:45 PM", "11/11/26", "11/12/26 11:59 PM", "11/13/2026 12:15:00 AM", "14.11.26"]
    csv = "Order ID,Order Date,Product ID,Quantity,Unit Price\n" + "".join(
        f"{i:02},{day},P1,1,1.00\n" for i, day in enumerate(written)
    )
    import_file(engine, _write(tmp_path, "report.csv", csv))
    days = _all(engine, "SELECT order_date FROM orders ORDER BY order_id")
    assert days == [(dt.date(2026, 11, d),) for d in range(5, 15)]


def test_negative_amounts_as_accounting_sap_and_typesetting_write_them(engine, tmp_path):
    csv = "Order ID,Order Date,SKU,Qty,Price,Profit\n" + "".join(
        f"N{i},2026-11-0{i},P1,1,20.00,{profit}\n"
        for i, profit in enumerate(["(1.25)", "12.50-", "\u22123.00", "4.00"], 1)
    )
    import_file(engine, _write(tmp_path, "returns.csv", csv))
    assert _totals(engine).profit == Decimal("-12.75")
    with pytest.raises(ImportRejected, match=r"row 2, column Price: '20\.00-': a price cannot be negative"):
        import_file(
            engine, _write(tmp_path, "bad.csv", csv.replace("N1,2026-11-01,P1,1,20.00", "X1,2026-11-01,P1,1,20.00-"))
        )


def test_slashed_dates_are_read_day_first_when_the_file_shows_it(engine, tmp_path):
    def dates(*written):
        return "Order ID,Order Date,Product ID,Quantity,Unit Price\n" + "".join(
            f"{name},{day},P1,1,1.00\n" for name, day in zip("ABC", written, strict=False)
        )

    import_file(engine, _write(tmp_path, "uk.csv", dates("03/11/2026", "13/11/2026 09:30")), source="uk")
    result = import_file(engine, _write(tmp_path, "us.csv", dates("03/11/2026", "12/01/2026")), source="us")
    days = dict(_all(engine, "SELECT source || order_id, order_date FROM orders"))
    assert days == {
        "ukA": dt.date(2026, 11, 3),
        "ukB": dt.date(2026, 11, 13),
        "usA": dt.date(2026, 3, 11),  # nothing says otherwise: month first, and the result says so
        "usB": dt.date(2026, 12, 1),
    }
    assert any("dates such as 03/11/2026 were read month first" in w for w in result.warnings)
    with pytest.raises(ImportRejected, match="row 2, column Order Date: '13/11/2026' is not a date"):
        import_file(engine, _write(tmp_path, "mixed.csv", dates("13/11/2026", "11/13/2026")), source="mixed")

    toml = '[columns]\norder_id = "Order ID"\norder_date = "Order Date"\nproduct_id = "Product ID"\n'
    toml += 'quantity = "Quantity"\nunit_price = "Unit Price"\n[options]\ndate_order = "day"\n'
    told = import_file(
        engine, _write(tmp_path, "eu.csv", dates("03/11/2026")), _write(tmp_path, "eu.toml", toml), source="eu"
    )
    assert _one(engine, "SELECT order_date FROM orders WHERE source = 'eu'").order_date == dt.date(2026, 11, 3)
    assert not any("month first" in w for w in told.warnings)


def test_amounts_with_currency_codes(engine, tmp_path):
    csv = "Order ID;Order Date;SKU;Qty;Price\nE1;03.11.2026;P1;1;EUR 1.234,50\nE2;04.11.2026;P1;2;0,25 EUR\n"
    import_file(engine, _write(tmp_path, "eur.csv", csv + "E3;05.11.2026;P1;1;€\u00a01.000,00\n"))
    assert _totals(engine).sales == Decimal("2235.00")  # 1.234,50 read as 1.2345 would make 1001.8345
    with pytest.raises(ImportRejected, match="row 2, column Price: 'EURO 5' is not a number"):
        import_file(
            engine, _write(tmp_path, "odd.csv", "Order ID,Order Date,SKU,Qty,Price\nE3,2026-11-05,P1,1,EURO 5\n")
        )


def test_returns_cancellation_invoices_zero_prices_and_negative_profit(engine, tmp_path):
    mapping = _write(
        tmp_path,
        "map.toml",
        '[columns]\norder_id = "InvoiceNo"\norder_date = "InvoiceDate"\n'
        'product_id = "StockCode"\nquantity = "Quantity"\nunit_price = "UnitPrice"\nprofit = "Profit"\n'
        '[options]\ncancelled_when = "order_id starts with C"\n',
    )
    csv = (
        "InvoiceNo,InvoiceDate,StockCode,Quantity,UnitPrice,Profit\n"
        "536365,12/1/2025 8:26,85123A,6,2.55,-1.20\n"
        "536365,12/1/2025 8:26,FREE1,1,0,0\n"
        "536366,12/2/2025 9:00,85123A,-2,2.55,-0.40\n"
        "C536379,12/3/2025 9:41,85123A,-1,2.55,-0.5\n"
    )
    import_file(engine, _write(tmp_path, "online_retail.csv", csv), mapping)
    totals = _totals(engine)
    # 6 x 2.55 = 15.30 and a free item; the return -5.10; the cancellation invoice is excluded.
    assert (totals.sales, totals.profit) == (Decimal("10.20"), Decimal("-1.60"))
    assert _one(engine, "SELECT count(*) AS n FROM orders WHERE status = 'cancelled'").n == 1


def test_same_product_two_names_and_the_same_item_rung_twice(engine, tmp_path):
    csv = HEADER + (
        "B-1,2026-02-01,C1,Alice,Consumer,North,1,P1,Desk Chair,Furniture,Chairs,1,100,0,40\r\n"
        "B-1,2026-02-01,C1,Alice,Consumer,North,1,P1,Desk Chair,Furniture,Chairs,1,100,0,40\r\n"
        "B-2,2026-02-02,C1,Alice,Consumer,North,1,P1,Office Chair,Furniture,Chairs,1,100,0,40\r\n"
    )
    import_file(engine, _write(tmp_path, "dupes.csv", csv))
    assert _totals(engine).lines == 3  # both identical lines kept
    assert _one(engine, "SELECT count(*) AS n, min(name) AS name FROM products") == (1, "Desk Chair")


def test_a_bad_cell_rejects_the_whole_file_and_says_where(engine, tmp_path):
    import_file(
        engine,
        _write(
            tmp_path,
            "good.csv",
            HEADER + "G-1,2026-01-05,C1,A,Consumer,North,1,P1,Chair,Furniture,Chairs,1,100,0,40\r\n",
        ),
    )
    before = _totals(engine)
    bad = HEADER + (
        "X-1,2026-01-05,C1,A,Consumer,North,1,P1,Chair,Furniture,Chairs,1,100,0,40\r\n"
        "X-2,2026-01-06,C1,A,Consumer,North,1,P1,Chair,Furniture,Chairs,abc,100,0,40\r\n"
        "X-3,31/31/2026,C1,A,Consumer,North,1,P1,Chair,Furniture,Chairs,1,-5,0,40\r\n"
    )
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, _write(tmp_path, "bad.csv", bad))
    message = str(caught.value)
    assert "row 3, column Quantity: 'abc' is not a number" in message
    assert "row 4, column Order Date: '31/31/2026' is not a date" in message
    assert "row 4, column Unit Price: '-5': a price cannot be negative" in message
    assert "nothing was imported" in message
    assert _totals(engine) == before


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.csv", "", "the file is empty"),
        ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("notes.docx", "hello", "unsupported file type .docx"),
        ("header.csv", HEADER, "a header but no rows"),
        ("cols.csv", "Date,Amount\n2026-01-01,5\n", "no column found for order_id"),
    ],
)
def test_unreadable_files_get_a_one_line_reason(engine, tmp_path, name, content, reason):
    with pytest.raises(ImportRejected, match=reason):
        import_file(engine, _write(tmp_path, name, content))


def test_empty_rows_are_skipped_and_the_rows_keep_their_spreadsheet_numbers(engine, tmp_path):
    blank = ",,,,,,,,,,,,,,\r\n"
    body = (
        "E-1,2026-01-05,C1,A,Consumer,North,1,P1,Chair,Furniture,Chairs,1,100,0,40\r\n"
        + blank
        + "E-2,2026-01-06,C1,A,Consumer,North,1,P1,Chair,Furniture,Chairs,{quantity},100,0,40\r\n"
        + blank
        + " , ,\u00a0,,,,,,,,,,,,\r\n"
    )
    before = _totals(engine)
    with pytest.raises(ImportRejected, match="row 4, column Quantity: 'abc' is not a number"):
        import_file(engine, _write(tmp_path, "bad.csv", HEADER + body.format(quantity="abc")))
    assert _totals(engine) == before
    result = import_file(engine, _write(tmp_path, "good.csv", HEADER + body.format(quantity="2")))
    assert (result.rows_read, result.orders) == (2, 2)
    assert "skipped 3 empty rows (rows 3, 5, 6)" in result.warnings
    assert (_totals(engine).sales, _totals(engine).lines) == (Decimal("300.0000"), 2)
    with pytest.raises(ImportRejected, match="no lines under its header, only empty or totals rows"):
        import_file(engine, _write(tmp_path, "blank.csv", HEADER + blank * 3))
    report = body.format(quantity="1").replace("E-", "F-") + "Total:,,,,,,,,,,,,,,80\r\n,,,,,,,,,Grand total,,,,,80\r\n"
    result = import_file(engine, _write(tmp_path, "report.csv", HEADER + report))
    assert "skipped 2 totals rows (rows 7, 8)" in result.warnings and result.rows_read == 2
    assert _totals(engine).lines == 4
    with pytest.raises(ImportRejected, match="row 2, column Order Date: is empty"):  # a line without a date
        import_file(engine, _write(tmp_path, "undated.csv", HEADER + "G-1,,C1,A,,,,P1,Total,,,1,100,0,40\r\n"))

    sheet = pd.DataFrame(
        {"Order ID": ["S1", None, "S2"], "Order Date": ["2026-01-05", None, "2026-01-06"], "SKU": ["P1", None, "P2"]}
        | {"Qty": ["2", None, "1"], "Price": ["10.25", None, "3.10"]}
    )
    sheet.to_excel(tmp_path / "gap.xlsx", index=False)
    result = import_file(engine, tmp_path / "gap.xlsx")
    assert result.rows_read == 2 and "skipped 1 empty row (row 3)" in result.warnings
    assert _totals(engine).sales == Decimal("523.6000")


def test_a_grouped_report_names_its_order_on_the_first_line_only(engine, tmp_path):
    csv = (
        "Order ID,Order Date,Customer ID,SKU,Qty,Price\n"
        "G1,2026-11-03,C1,P1,1,5.00\n"
        ",,,P2,2,3.00\n"
        ",,,P3,1,1.50\n"
        "G2,2026-11-04,C2,P1,1,5.00\n"
        ",,,P2,1,3.00\n"
    )
    result = import_file(engine, _write(tmp_path, "grouped.csv", csv))
    assert (result.rows_read, result.orders) == (5, 2)
    assert "3 lines without an order id or date taken as further lines of the order above (rows 3, 4, 6)" in (
        result.warnings
    )
    per_order = _all(
        engine,
        "SELECT o.order_id, o.order_date, c.customer_id, count(*), sum(l.net_amount) FROM orders o "
        "JOIN order_lines l USING (order_key) JOIN customers c USING (customer_key) GROUP BY 1, 2, 3 ORDER BY 1",
    )
    assert per_order == [
        ("G1", dt.date(2026, 11, 3), "C1", 3, Decimal("12.5000")),
        ("G2", dt.date(2026, 11, 4), "C2", 2, Decimal("8.0000")),
    ]
    with pytest.raises(ImportRejected, match="row 2, column Order ID: is empty"):  # nothing above it
        import_file(engine, _write(tmp_path, "headless.csv", "Order ID,Order Date,SKU,Qty,Price\n,,P1,1,5\n"))
    with pytest.raises(ImportRejected, match="row 3, column Order ID: is empty"):  # a date but no id
        import_file(engine, _write(tmp_path, "half.csv", csv.replace(",,,P2,2,3.00", ",2026-11-03,,P2,2,3.00")))


def test_a_title_above_the_header_is_passed_over_and_rows_keep_their_numbers(engine, tmp_path):
    csv = (
        'Sales report: November 2026\r\n"Exported 2026-12-01, 10:00",,,\r\n\r\n'
        "Order No;Date;SKU;Qty;Price\r\nT-1;2026-11-03;P1;1;5,00\r\nT-2;2026-11-04;P1;{quantity};5,00\r\n"
    )
    with pytest.raises(ImportRejected, match="row 6, column Qty: 'x' is not a number"):
        import_file(engine, _write(tmp_path, "bad.csv", csv.format(quantity="x")))
    result = import_file(engine, _write(tmp_path, "report.csv", csv.format(quantity="2")))
    assert (result.rows_read, result.mapping.columns["order_id"]) == (2, "Order No")
    assert _totals(engine).sales == Decimal("15.00")

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "Till export"
    for row, cells in {
        3: ("Order ID", "Order Date", "SKU", "Qty", "Price"),
        4: ("X1", "2026-11-05", "P1", 2, 1.5),
    }.items():
        for column, value in enumerate(cells, start=1):
            sheet.cell(row, column, value)
    for column, value in enumerate(("X2", "2026-11-06", "P1", "two", 1.5), start=1):
        sheet.cell(6, column, value)  # row 5 left empty
    book.save(tmp_path / "till.xlsx")
    with pytest.raises(ImportRejected, match="row 6, column Qty: 'two' is not a number"):
        import_file(engine, tmp_path / "till.xlsx")
    sheet["D6"] = 1
    book.save(tmp_path / "till.xlsx")
    result = import_file(engine, tmp_path / "till.xlsx")
    assert result.rows_read == 2 and "skipped 1 empty row (row 5)" in result.warnings
    assert _totals(engine).sales == Decimal("19.50")

    summary = book.create_sheet("Summary", 0)  # a report opening with a summary of the lines
    summary.append(("Month", "Sales"))
    summary.append(("2026-11", 19.5))
    sheet["A4"], sheet["A6"] = "Y1", "Y2"
    book.save(tmp_path / "report.xlsx")
    assert import_file(engine, tmp_path / "report.xlsx").rows_read == 2
    report = tmp_path / "report.xlsx"
    assert read_table(report, report.read_bytes(), {}).attrs["sheet"] == "Sheet"  # named where it is shown
    assert _totals(engine).sales == Decimal("24.00")


def test_reimport_is_a_no_op_and_an_overlapping_file_replaces_orders(engine, tmp_path):
    first = HEADER + "R-1,2026-01-05,C1,A,Consumer,North,1,P1,Chair,Furniture,Chairs,1,100,0,40\r\n"
    path = _write(tmp_path, "day1.csv", first)
    import_file(engine, path)
    again = import_file(engine, path)
    assert again.already_imported_as is not None and _totals(engine).lines == 1
    corrected = (
        first.replace(",1,100,0,40", ",2,100,0,80")
        + "R-2,2026-01-06,C1,A,Consumer,North,1,P1,Chair,Furniture,Chairs,1,100,0,40\r\n"
    )
    result = import_file(engine, _write(tmp_path, "day1-corrected.csv", corrected))
    assert result.replaced_orders == 1
    assert _totals(engine) == (Decimal("300.00"), Decimal("120.00"), 2, 2)


def test_undo_restores_the_previous_totals_exactly(engine, tmp_path):
    import_file(
        engine,
        _write(
            tmp_path, "a.csv", HEADER + "U-1,2026-01-05,C1,A,Consumer,North,1,P1,Chair,Furniture,Chairs,1,100,0,40\r\n"
        ),
    )
    before = _totals(engine)
    added = import_file(
        engine,
        _write(
            tmp_path,
            "b.csv",
            HEADER + "U-2,2026-01-06,C2,B,Corporate,South,1,P1,Chair,Furniture,Chairs,3,100,0,120\r\n",
        ),
    )
    assert _totals(engine) != before
    assert undo_import(engine, added.import_id) == 1
    assert _totals(engine) == before
    with pytest.raises(ImportRejected, match="already undone"):
        undo_import(engine, added.import_id)


def test_xlsx_and_parquet(engine, tmp_path):
    frame = pd.DataFrame(
        {
            "Order ID": ["X1", "X2"],
            "Order Date": ["2026-01-05", "2026-01-06"],
            "SKU": ["P1", "P2"],
            "Qty": ["2", "1"],
            "Price": ["10.25", "3.10"],
            "Zip": ["01234", "00501"],
        }
    )
    frame.to_excel(tmp_path / "export.xlsx", index=False)
    import_file(engine, tmp_path / "export.xlsx")
    frame.assign(**{"Order ID": ["Y1", "Y2"]}).to_parquet(tmp_path / "export.parquet")
    import_file(engine, tmp_path / "export.parquet")
    assert _totals(engine).sales == Decimal("47.20")


def test_older_excel_and_libreoffice_workbooks(engine, tmp_path):
    import xlwt

    book = xlwt.Workbook()  # Excel 97-2003, as older tills export
    sheet = book.add_sheet("Sales")
    for row, cells in enumerate(
        [("Order ID", "Date", "SKU", "Qty", "Price", "Zip"), ("L1", "11/3/2026", "P1", 3, 2.5, "01234")]
    ):
        for column, value in enumerate(cells):
            sheet.write(row, column, value)
    book.save(str(tmp_path / "till.xls"))
    import_file(engine, tmp_path / "till.xls")
    pd.DataFrame(
        {"Order ID": ["O1"], "Order Date": ["2026-11-04"], "SKU": ["P1"], "Qty": ["2"], "Price": ["1.25"]}
    ).to_excel(tmp_path / "sheet.ods", index=False, engine="odf")
    import_file(engine, tmp_path / "sheet.ods")
    assert _totals(engine).sales == Decimal("10.00")
    assert _all(engine, "SELECT order_id, order_date FROM orders ORDER BY 1") == [
        ("L1", dt.date(2026, 11, 3)),
        ("O1", dt.date(2026, 11, 4)),
    ]


def test_command_line_import_errors_exit_non_zero_without_traceback(tmp_path):
    from manage import cli

    result = CliRunner().invoke(cli, ["import", str(_write(tmp_path, "x.csv", "a,b\n1,2\n"))])
    assert result.exit_code != 0 and "no column found" in result.output and "Traceback" not in result.output


def test_undo_of_a_replacing_import_puts_the_replaced_orders_back(engine, tmp_path):
    first = HEADER + "Q-1,2026-01-05,C1,A,Consumer,North,1,P1,Chair,Furniture,Chairs,1,100,0,40\r\n"
    original = import_file(engine, _write(tmp_path, "q1.csv", first))
    before = _totals(engine)
    fix = (
        first.replace(",1,100,0,40", ",3,100,0,120")
        + "Q-2,2026-01-06,C1,A,Consumer,North,1,P1,Chair,Furniture,Chairs,1,100,0,40\r\n"
    )
    replacing = import_file(engine, _write(tmp_path, "q1-fixed.csv", fix))
    assert replacing.replaced_orders == 1 and _totals(engine) == (Decimal("400.00"), Decimal("160.00"), 2, 2)
    # What the Data page's question says an undo will do: two orders go, one comes back.
    summary = import_summary(engine, replacing.import_id)
    assert (summary["file_name"], summary["rows_read"], summary["orders"], summary["replaced"]) == (
        "q1-fixed.csv",
        2,
        2,
        1,
    )
    undo_import(engine, replacing.import_id)
    assert import_summary(engine, replacing.import_id)["status"] == "undone"
    assert import_summary(engine, 10**9) is None
    assert _totals(engine) == before  # Q-1 is back as it was, Q-2 is gone
    assert _one(engine, "SELECT import_id FROM orders WHERE order_id = 'Q-1'").import_id == original.import_id
    undo_import(engine, original.import_id)
    assert _totals(engine).lines == 0
    assert _one(engine, "SELECT count(*) AS n FROM replaced_orders").n == 0


def test_amounts_a_file_leaves_out_are_derived_exactly(engine, tmp_path):
    # Sales = quantity x price x (1 - discount), half away from zero, so the return mirrors the
    # sale; profit = sales - quantity x cost; a percent discount is exact.
    with_cost = (
        "Order ID,Order Date,Product ID,Quantity,Unit Price,Discount,Unit Cost\n"
        "D-1,2026-02-01,P1,3,0.335,0%,0.10\n"
        "D-1,2026-02-01,P2,-3,0.335,,0.10\n"
        "D-2,2026-02-02,P1,2,10.00,15%,4\n"
    )
    import_file(engine, _write(tmp_path, "cost.csv", with_cost))
    sales_only = "Order ID,Order Date,SKU,Qty,Sales\nS-1,2026-02-03,P9,3,10.00\nS-2,2026-02-03,P9,0,5.00\n"
    import_file(engine, _write(tmp_path, "sales.csv", sales_only))
    rows = _all(
        engine,
        "SELECT o.order_id, l.line_no, l.unit_price, l.discount, l.net_amount, l.profit "
        "FROM order_lines l JOIN orders o USING (order_key) ORDER BY o.order_id, l.line_no",
    )
    assert rows == [
        ("D-1", 1, Decimal("0.3350"), Decimal("0"), Decimal("1.01"), Decimal("0.71")),
        ("D-1", 2, Decimal("0.3350"), Decimal("0"), Decimal("-1.01"), Decimal("-0.71")),
        ("D-2", 1, Decimal("10.0000"), Decimal("0.15"), Decimal("17.00"), Decimal("9.00")),
        ("S-1", 1, Decimal("3.3333"), Decimal("0"), Decimal("10.00"), Decimal("0")),
        ("S-2", 1, Decimal("5.00"), Decimal("0"), Decimal("5.00"), Decimal("0")),
    ]


def test_progress_is_reported_step_by_step(engine, tmp_path):
    steps = []
    csv = HEADER + "P-1,2026-01-05,C1,A,Consumer,North,1,P1,Chair,Furniture,Chairs,1,100,0,40\r\n"
    import_file(engine, _write(tmp_path, "p.csv", csv), progress=lambda percent, step: steps.append((percent, step)))
    percents = [p for p, _ in steps]
    assert percents == sorted(percents) and len(steps) >= 5
    assert steps[1][1] == "Checking 1 row" and steps[-1] == (97, "Committing")


def test_a_file_without_sub_categories_keeps_the_known_ones(engine, tmp_path):
    def product(product_id):
        return tuple(_one(engine, "SELECT category, sub_category FROM products WHERE product_id = :p", p=product_id))

    import_file(
        engine,
        _write(
            tmp_path,
            "full.csv",
            HEADER + "K-1,2026-01-05,C1,A,Consumer,North,1,P1,Chair,Furniture,Chairs,1,100,0,40\r\n",
        ),
    )
    till = "Order ID,Order Date,Product ID,Category,Quantity,Unit Price\n"
    import_file(
        engine,
        _write(tmp_path, "till.csv", till + "K-2,2026-01-06,P1,Furniture,1,100\nK-3,2026-01-06,P2,Technology,1,5\n"),
    )
    assert product("P1") == ("Furniture", "Chairs")  # not overwritten by the category's name
    assert product("P2") == ("Technology", "Technology")  # a new product without one starts its own
    import_file(engine, _write(tmp_path, "moved.csv", till + "K-4,2026-01-07,P1,Office Supplies,1,100\n"))
    assert product("P1") == ("Office Supplies", "Office Supplies")  # moved: Chairs was Furniture's
    given = "Order ID,Order Date,Product ID,Sub-Category,Quantity,Unit Price\nK-5,2026-01-08,P1,Binders,1,100\n"
    import_file(engine, _write(tmp_path, "given.csv", given))
    assert product("P1") == ("Office Supplies", "Binders")
    assert _totals(engine).orders == 5  # and the rollups by sub-category followed each move


def test_known_customers_take_what_a_file_gives_and_are_not_rewritten_when_it_changes_nothing(engine, tmp_path):
    def customer(customer_id):
        return _one(
            engine,
            "SELECT customer_key, xmin::text AS version, name, segment, region, postal_code "
            "FROM customers WHERE customer_id = :c",
            c=customer_id,
        )

    first = HEADER + (
        "M-1,2026-01-05,C1,Alice,Consumer,North,02134,P1,Chair,Furniture,Chairs,1,100,0,40\r\n"
        "M-2,2026-01-05,C2,Bob,Corporate,South,10001,P1,Chair,Furniture,Chairs,1,100,0,40\r\n"
    )
    import_file(engine, _write(tmp_path, "first.csv", first))
    alice, bob = customer("C1"), customer("C2")
    second = HEADER + (
        "M-3,2026-01-06,C1,Alice,Consumer,North,02134,P1,Chair,Furniture,Chairs,1,100,0,40\r\n"
        "M-4,2026-01-06,C2,Robert,,,20002,P1,Chair,Furniture,Chairs,1,100,0,40\r\n"
        "M-5,2026-01-06,C3,Carol,Home Office,West,,P1,Chair,Furniture,Chairs,1,100,0,40\r\n"
    )
    import_file(engine, _write(tmp_path, "second.csv", second))
    assert customer("C1") == alice  # the same row version: nothing given was new
    bob_now = customer("C2")
    assert bob_now.version != bob.version
    assert (bob_now.name, bob_now.segment, bob_now.region, bob_now.postal_code) == (
        "Bob",
        "Corporate",
        "South",
        "20002",
    )
    assert customer("C3").segment == "Home Office"
    owners = "SELECT string_agg(c.customer_id, ',' ORDER BY o.order_id) AS ids FROM orders o JOIN customers c USING (customer_key)"
    assert _one(engine, owners).ids == "C1,C2,C1,C2,C3"
    assert _totals(engine).orders == 5
