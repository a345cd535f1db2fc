"""The command line: `manage.py kpis` prints kpis.md's figures exactly (fixture shop)."""

import json

from click.testing import CliRunner
from sqlalchemy import create_engine, text

from manage import cli


def _kpis(*args):
    result = CliRunner().invoke(cli, ["kpis", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_kpis_json_for_a_range():
    report = _kpis("--from", "2026-01-01", "--to", "2026-02-28")
    assert {k: report[k] for k in ("sales", "profit", "margin", "orders", "quantity", "customers")} == {
        "sales": "600.00",
        "profit": "194.00",
        "margin": "0.323333",
        "orders": 4,
        "quantity": "17",
        "customers": 2,
    }
    assert (report["avg_orders_per_customer"], report["aov"], report["repeat_customer_rate"]) == (
        "2.000000",
        "150.00",
        "0.500000",
    )
    assert report["by_category"]["Office Supplies"] == {
        "sales": "60.00",
        "profit": "34.00",
        "orders": 2,
        "quantity": "13",
        "customers": 1,
    }
    assert report["by_segment"]["(no customer)"]["sales"] == "100.00"
    assert [(p["name"], p["sales"]) for p in report["top_products"]] == [
        ("Desk Chair", "300.00"),
        ("Phone", "240.00"),
        ("Paper", "60.00"),
    ]
    assert [(c["id"], c["sales"]) for c in report["top_customers"]] == [("C1", "260.00"), ("C2", "240.00")]
    assert report["monthly"] == [
        {"month": "2026-01", "sales": "485.00", "orders": 2},
        {"month": "2026-02", "sales": "115.00", "orders": 2},
    ]


def test_kpis_without_dates_is_all_time_and_filters_repeat():
    report = _kpis("--segment", "Corporate", "--segment", "Home Office")
    assert (report["from"], report["to"]) == ("2025-01-20", "2026-03-01")
    # Bob 300 + 240, Dan 15, Erin 300.
    assert report["sales"] == "855.00" and report["customers"] == 3


def test_kpis_table_and_a_clear_error():
    table = CliRunner().invoke(cli, ["kpis", "--from", "2026-01-01", "--to", "2026-02-28"])
    assert table.exit_code == 0 and "sales" in table.output and "600.00" in table.output
    bad = CliRunner().invoke(cli, ["kpis", "--from", "2026-03-01", "--to", "2026-01-01"])
    assert bad.exit_code != 0 and "before the start date" in bad.output and "Traceback" not in bad.output


def test_check_rollups_names_the_rollup_that_differs(fixture_database):
    ok = CliRunner().invoke(cli, ["check-rollups"])
    assert ok.exit_code == 0 and "rollups equal a rebuild" in ok.output, ok.output
    engine = create_engine(fixture_database)
    first = "(SELECT min(customer_key) FROM customer_lifetime)"
    off_by_one = "UPDATE customer_lifetime SET lines = lines {} 1 WHERE customer_key = " + first
    try:
        with engine.begin() as conn:
            conn.execute(text(off_by_one.format("+")))
        drifted = CliRunner().invoke(cli, ["check-rollups"])
    finally:
        with engine.begin() as conn:
            conn.execute(text(off_by_one.format("-")))
        engine.dispose()
    assert drifted.exit_code == 1, drifted.output
    assert "customer_lifetime: 2 rows differ" in drifted.output and "1 of " in drifted.output


def test_undo_import_takes_the_id_as_imports_lists_it(fixture_database):
    listed = CliRunner().invoke(cli, ["undo-import", "#999999"])
    assert listed.exit_code == 1 and "there is no import #999999" in listed.output, listed.output
    bare = CliRunner().invoke(cli, ["undo-import", "999999"])
    assert bare.exit_code == 1 and "there is no import #999999" in bare.output, bare.output
    wrong = CliRunner().invoke(cli, ["undo-import", "last"])
    assert wrong.exit_code == 2 and "'last' is not an import id" in wrong.output and "Traceback" not in wrong.output


def test_undo_import_says_what_it_undoes_and_what_comes_back(tmp_path):
    from data_access.db import get_engine
    from ingest.bulk import bump_data_version, delete_orders

    header = "Order ID,Order Date,Customer ID,Product ID,Product Name,Category,Quantity,Unit Price\n"
    first, fixed = tmp_path / "first.csv", tmp_path / "fixed.csv"
    first.write_text(header + "CLI-1,2026-01-10,CLI-C,CLI-P,Lamp,Furniture,1,50.00\n")
    fixed.write_text(header + "CLI-1,2026-01-10,CLI-C,CLI-P,Lamp,Furniture,2,50.00\n")
    try:
        for path in (first, fixed):
            imported = CliRunner().invoke(cli, ["import", str(path), "--source", "cli-undo-test"])
            assert imported.exit_code == 0, imported.output
        with get_engine().connect() as conn:
            last = conn.execute(text("SELECT max(import_id) FROM imports WHERE source = 'cli-undo-test'")).scalar_one()
        undone = CliRunner().invoke(cli, ["undo-import", f"#{last}"])
        assert undone.exit_code == 0, undone.output
        assert f"undoing import #{last} (fixed.csv): 1 order, 1 earlier order to put back" in undone.output
        assert f"import #{last} undone: 1 order removed, 1 earlier order back" in undone.output
    finally:  # the shared fixture shop as it was, whatever happened
        ours = "replaced_by IN (SELECT import_id FROM imports WHERE source = 'cli-undo-test')"
        with get_engine().begin() as conn:
            for table in ("replaced_order_lines", "replaced_orders"):
                conn.execute(text(f"DELETE FROM {table} WHERE {ours}"))
            delete_orders(conn, "source = :s", {"s": "cli-undo-test"})
            for table in ("customers", "products", "imports"):
                conn.execute(text(f"DELETE FROM {table} WHERE source = :s"), {"s": "cli-undo-test"})
            bump_data_version(conn)
