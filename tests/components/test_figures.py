"""Figure builders on small frames: traces, axes, empty states, export names."""

import datetime as dt
import json
from decimal import Decimal

import pandas as pd
from plotly.utils import PlotlyJSONEncoder

from components.figures import export_filename, graph_config, make_sales_trend_figure
from components.formatting import NumberFormat

FMT = NumberFormat("EUR", "de_DE")


def _frame(sales):
    return pd.DataFrame(
        {
            "bucket": [dt.date(2026, 1, 1), dt.date(2026, 2, 1)],
            "sales": [Decimal(s) for s in sales],
            "profit": [Decimal("1.00"), Decimal("2.00")],
            "orders": [1, 2],
            "cumulative_sales": [Decimal(sales[0]), Decimal(sales[0]) + Decimal(sales[1])],
        }
    )


def test_trend_has_sales_profit_and_cumulative_on_second_axis():
    fig = make_sales_trend_figure(_frame(["10.50", "20.25"]), FMT, "month")
    assert [t.name for t in fig.data] == ["Sales", "Profit", "Cumulative sales (year to date)"]
    assert list(fig.data[0].y) == [10.5, 20.25]
    assert fig.data[2].yaxis == "y2" and list(fig.data[2].y) == [10.5, 30.75]
    assert fig.layout.yaxis.tickprefix == "€"
    assert fig.layout.separators == ",."
    assert list(fig.data[0].x) == ["January 2026", "February 2026"]  # two buckets: labelled categories


def test_trend_of_nothing_is_an_explained_empty_chart():
    fig = make_sales_trend_figure(_frame(["0", "0"]).assign(profit=Decimal(0)), FMT)
    assert len(fig.data) == 0
    assert fig.layout.annotations[0].text == "No sales in this range and filter"


def test_export_names_the_chart_and_range_and_doubles_png_scale():
    name = export_filename("Sales & profit over time", dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert name == "sales-profit-over-time_2026-01-01_to_2026-03-31"
    options = graph_config(name)["toImageButtonOptions"]
    assert options == {"format": "png", "scale": 2, "filename": name}


def test_partial_buckets_are_the_ones_the_range_cuts():
    from components.figures import partial_buckets

    buckets = pd.Series([dt.date(2025, 11, 1), dt.date(2025, 12, 1), dt.date(2026, 1, 1)])
    assert partial_buckets(buckets, "month", dt.date(2025, 11, 24), dt.date(2026, 1, 31)) == [True, False, False]
    assert partial_buckets(buckets, "month", dt.date(2025, 11, 1), dt.date(2026, 1, 30)) == [False, False, True]
    weeks = pd.Series([dt.date(2025, 12, 29), dt.date(2026, 1, 5)])
    assert partial_buckets(weeks, "week", dt.date(2026, 1, 1), dt.date(2026, 1, 11)) == [True, False]


def test_partial_bucket_is_faded_and_labelled():
    fig = make_sales_trend_figure(_frame(["10.50", "20.25"]), FMT, "month", dt.date(2026, 1, 15), dt.date(2026, 2, 28))
    assert list(fig.data[0].marker.opacity) == [0.45, 1.0]
    assert "partial period" in fig.data[0].customdata[0]


def test_one_or_two_buckets_use_a_labelled_category_axis():
    one_day = _frame(["10.50", "20.25"]).head(1)
    fig = make_sales_trend_figure(one_day, FMT, "day")
    assert fig.layout.xaxis.type == "category"
    assert list(fig.data[0].x) == ["01 Jan 2026"]
    three = pd.concat(
        [_frame(["1", "2"]), _frame(["3", "4"]).assign(bucket=[dt.date(2026, 3, 1), dt.date(2026, 4, 1)])]
    )
    assert make_sales_trend_figure(three, FMT, "month").layout.xaxis.type == "date"


def test_charts_carry_the_slim_white_template_not_plotlys_full_one():
    """Every answer carries its figures' template: plotly_white's is 7 KB of polar, 3-D and geo
    settings (and ~20 ms of validation a chart); ours keeps only the 2-D look."""
    for sales in (["10.50", "20.25"], ["0", "0"]):  # a chart and the empty state
        fig = make_sales_trend_figure(_frame(sales), FMT)
        template = fig.to_plotly_json()["layout"]["template"]
        assert len(json.dumps(template, cls=PlotlyJSONEncoder)) < 2500
        assert template["layout"]["plot_bgcolor"] == "white"
        assert template["layout"]["xaxis"]["gridcolor"] == "#EBF0F8"
        assert "polar" not in template["layout"] and "scatter3d" not in template["data"]
