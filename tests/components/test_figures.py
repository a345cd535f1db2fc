"""Figure builders on small frames: traces, axes, empty states, export names."""

import datetime as dt
import json
import re
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go
import pytest
from dash._utils import to_json
from plotly.utils import PlotlyJSONEncoder

from components import customer_figures, figures, product_figures, segment_figures
from components.figures import export_filename, graph_config
from components.formatting import NumberFormat

FMT = NumberFormat("EUR", "de_DE")


def make_sales_trend_figure(*args) -> go.Figure:
    """The builder's plain figure, validated: go.Figure raises on any property plotly lacks."""
    return go.Figure(figures.make_sales_trend_figure(*args))


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
    titled = graph_config(name, "Sales by store", "01 Jan 2026")["toImageButtonOptions"]
    assert titled == options | {"title": "Sales by store", "caption": "01 Jan 2026"}


def test_partial_buckets_are_the_ones_the_range_cuts():
    from components.figures import partial_buckets

    buckets = pd.Series([dt.date(2025, 11, 1), dt.date(2025, 12, 1), dt.date(2026, 1, 1)])
    assert partial_buckets(buckets, "month", dt.date(2025, 11, 24), dt.date(2026, 1, 31)) == [True, False, False]
    assert partial_buckets(buckets, "month", dt.date(2025, 11, 1), dt.date(2026, 1, 30)) == [False, False, True]
    weeks = pd.Series([dt.date(2025, 12, 29), dt.date(2026, 1, 5)])
    assert partial_buckets(weeks, "week", dt.date(2026, 1, 1), dt.date(2026, 1, 11)) == [True, False]
    assert partial_buckets(weeks, "week", dt.date(2025, 12, 29), dt.date(2026, 1, 10)) == [False, True]
    assert partial_buckets(buckets, "month", None, None) == [False, False, False]  # no range: nothing cut
    assert partial_buckets(buckets, "month", None, dt.date(2025, 12, 30)) == [False, True, True]
    days = [dt.date(2026, 2, 27), dt.date(2026, 2, 28)]
    assert partial_buckets(days, "day", dt.date(2026, 2, 28), None) == [True, False]
    assert partial_buckets([], "day", None, None) == []


def test_partial_bucket_is_faded_and_labelled():
    fig = make_sales_trend_figure(_frame(["10.50", "20.25"]), FMT, "month", dt.date(2026, 1, 15), dt.date(2026, 2, 28))
    assert list(fig.data[0].marker.opacity) == [0.45, 1.0]
    assert "partial period" in fig.data[0].customdata[0]


def test_segment_trend_shows_this_month_so_far_as_partial_not_as_a_drop():
    months = [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    df = pd.DataFrame(
        {"segment": ["Consumer"] * 3, "bucket": months, "sales": [Decimal("90"), Decimal("95"), Decimal("9")]}
    )
    fig = go.Figure(
        segment_figures.make_segment_trend_figure(df, FMT, "month", dt.date(2026, 1, 1), dt.date(2026, 3, 4))
    )
    line, dotted, marker = fig.data
    assert list(line.y) == [90, 95, None]  # the solid line stops at the last whole month
    assert list(dotted.y) == [None, 95, 9] and dotted.line.dash == "dot" and dotted.hoverinfo == "skip"
    assert list(marker.y) == [None, None, 9] and "partial period" in marker.hovertemplate
    assert [t.showlegend for t in fig.data] == [None, False, False]  # one legend entry per segment
    whole = go.Figure(
        segment_figures.make_segment_trend_figure(df, FMT, "month", dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    )
    assert len(whole.data) == 1 and list(whole.data[0].y) == [90, 95, 9]


def test_new_and_returning_bars_fade_the_partial_months():
    months = [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    counts = {"new_customers": [5, 6, 1], "returning_customers": [20, 22, 2]}
    df = pd.DataFrame({"bucket": months, **counts, "new_sales": [0] * 3, "returning_sales": [0] * 3})
    make = customer_figures.make_new_returning_figure
    fig = go.Figure(make(df, FMT, "customers", "month", dt.date(2026, 1, 1), dt.date(2026, 3, 4)))
    assert [list(t.marker.opacity) for t in fig.data] == [[1.0, 1.0, 0.45]] * 2
    assert "partial period" in fig.data[1].customdata[2] and fig.data[1].customdata[0] == ""
    whole = go.Figure(make(df, FMT, "customers", "month", dt.date(2026, 1, 1), dt.date(2026, 3, 31)))
    assert list(whole.data[0].marker.opacity) == [1.0] * 3


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
        template = json.loads(to_json(fig))["layout"]["template"]
        assert len(json.dumps(template, cls=PlotlyJSONEncoder)) < 2500
        assert template["layout"]["plot_bgcolor"] == "white"
        assert template["layout"]["xaxis"]["gridcolor"] == "#EBF0F8"
        assert "polar" not in template["layout"] and "scatter3d" not in template["data"]


def _month(n: int) -> dt.date:
    return dt.date(2026, n, 1)


# Each builder with a small frame shaped as its query answers, and with nothing to draw.
FIGURES = {
    "ranked bars": lambda df: figures.make_ranked_bars_figure(df, "label", FMT),
    "category mix": lambda df: segment_figures.make_category_mix_figure(df, FMT),
    "segment trend": lambda df: segment_figures.make_segment_trend_figure(df, FMT),
    "new vs returning": lambda df: customer_figures.make_new_returning_figure(df, FMT, "sales", "month"),
    "cohort heatmap": customer_figures.make_cohort_heatmap,
    "lifetime value": lambda df: customer_figures.make_ltv_histogram(df, FMT),
    "rfm": lambda df: customer_figures.make_rfm_figure(df, FMT),
    "product level": lambda df: product_figures.make_product_level_figure(df, FMT, "profit"),
    "category monthly": lambda df: product_figures.make_category_monthly_figure(df, FMT),
}
FRAMES = {
    "ranked bars": pd.DataFrame({"label": ["West", "East"], "sales": [Decimal("20.50"), Decimal("3.25")]}),
    "category mix": pd.DataFrame(
        {
            "segment": ["Consumer", "Consumer", "Corporate"],
            "category": ["Furniture", "Technology", "Furniture"],
            "share": [Decimal("0.25"), Decimal("0.75"), Decimal("1")],
            "sales": [Decimal("1.00"), Decimal("3.00"), Decimal("2.00")],
        }
    ),
    "segment trend": pd.DataFrame(
        {
            "segment": ["Consumer", "Consumer", "Corporate"],
            "bucket": [_month(1), _month(2), _month(1)],
            "sales": [1, 2, 4],
        },
    ),
    "new vs returning": pd.DataFrame(
        {
            "bucket": [_month(1), _month(2), _month(3)],
            "new_customers": [2, 1, 0],
            "returning_customers": [0, 1, 3],
            "new_sales": [Decimal("5.00"), Decimal("1.00"), Decimal("0")],
            "returning_sales": [Decimal("0"), Decimal("2.00"), Decimal("9.99")],
        }
    ),
    "cohort heatmap": pd.DataFrame(
        {
            "cohort": [_month(1), _month(1), _month(2)],
            "months_since": [0, 1, 0],
            "customers": [4, 1, 2],
            "cohort_size": [4, 4, 2],
            "share": [Decimal(1), Decimal("0.25"), Decimal(1)],
        }
    ),
    "lifetime value": pd.DataFrame(
        {"bin_start": [Decimal(0), Decimal(100)], "bin_end": [Decimal(100), Decimal(200)], "customers": [5, 2]}
    ),
    "rfm": pd.DataFrame(
        {"rfm_group": ["Champions", "Lost"], "meaning": ["best", "gone"], "customers": [3, 1], "sales": [10, 1]}
    ),
    "product level": pd.DataFrame(
        {
            "label": [f"Product {n}" for n in range(30)],  # more than the 25 bars shown
            "product_key": list(range(30)),
            "sales": [Decimal(n) for n in range(30)],
            "profit": [Decimal(n - 10) for n in range(30)],
            "margin": [Decimal("0.1")] * 30,
            "quantity": [1] * 30,
            "orders": [1] * 30,
        }
    ),
    "category monthly": pd.DataFrame(
        {
            "category": ["Furniture", "Technology", "Furniture"],
            "month": [_month(1), _month(1), _month(2)],
            "sales": [Decimal("1.50"), Decimal("2.00"), Decimal("4.00")],
            "cumulative_sales": [Decimal("3.50"), Decimal("3.50"), Decimal("7.50")],
        }
    ),
}


# RFM always lists its groups; nothing to draw is every group without customers.
NOTHING = {name: frame.iloc[0:0] for name, frame in FRAMES.items()} | {"rfm": FRAMES["rfm"].assign(customers=0)}


def _sent(fig: dict) -> dict:
    """The figure as Dash sends it, after plotly validated it (go.Figure raises ValueError
    naming any property plotly does not know)."""
    assert go.Figure(fig).layout.template.layout.plot_bgcolor == "white"  # our template
    return json.loads(to_json(fig))


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_is_valid_plotly_in_our_template(name):
    """The builders return plain dicts (no per-request validation): plotly validates them here."""
    drawn = _sent(FIGURES[name](FRAMES[name]))
    assert drawn["data"] and all(trace["type"] in ("bar", "scatter", "heatmap") for trace in drawn["data"])
    assert drawn["layout"]["template"]["layout"]["plot_bgcolor"] == "white"
    nothing = _sent(FIGURES[name](NOTHING[name]))
    assert nothing["data"] == [] and nothing["layout"]["annotations"][0]["text"].startswith("No ")


def test_product_level_shows_the_top_25_and_says_so():
    fig = go.Figure(FIGURES["product level"](FRAMES["product level"]))
    assert len(fig.data[0].y) == 25 and fig.data[0].y[-1] == "Product 29"  # biggest on top
    assert fig.layout.annotations[0].text == "Top 25 of 30"
    assert (fig.data[0].marker.color[0], fig.data[0].marker.color[-1]) == ("#dc2626", "#2563eb")  # a loss is red


@pytest.mark.parametrize(("stores", "bars", "note"), [(40, 15, "Top 15 of 40"), (15, 15, None), (3, 3, None)])
def test_ranked_bars_show_the_top_15_and_say_so(stores, bars, note):
    """A shop with 40 stores got 40 bars of 9 px in the card, their labels over each other."""
    df = pd.DataFrame(
        {"label": [f"Store {n}" for n in range(stores)], "sales": [Decimal(1000 - n) for n in range(stores)]}
    )
    drawn = _sent(figures.make_ranked_bars_figure(df, "label", FMT))
    (trace,) = drawn["data"]
    assert len(trace["y"]) == bars and trace["y"][-1] == "Store 0"  # biggest on top
    assert trace["y"][0] == f"Store {bars - 1}"  # the next biggest, not any 15
    notes = [a["text"] for a in drawn["layout"].get("annotations", [])]
    assert notes == ([note] if note else [])


def test_cohort_heatmap_leaves_months_not_reached_yet_as_gaps():
    sent = _sent(FIGURES["cohort heatmap"](FRAMES["cohort heatmap"]))
    heatmap = sent["data"][0]
    assert heatmap["z"] == [[1.0, 0.25], [1.0, None]]  # the February cohort has no month +1 yet
    assert heatmap["y"] == ["Jan ’26 (4)", "Feb ’26 (2)"]
    # Light for few retained, dark for many, as plotly.py's "Blues"; plotly.js reads the bare
    # name the other way round, so the scale travels spelled out.
    assert heatmap["colorscale"][0] == [0.0, "rgb(247,251,255)"] and heatmap["colorscale"][-1][0] == 1.0


def test_no_figure_names_a_colorscale_plotly_js_would_read_otherwise():
    for name, build in FIGURES.items():
        for trace in _sent(build(FRAMES[name]))["data"]:
            for scale in (trace.get("colorscale"), trace.get("marker", {}).get("colorscale")):
                assert not isinstance(scale, str), f"{name}: a named colorscale"


def test_cohort_heatmap_of_a_range_within_one_month_explains_instead_of_one_full_cell():
    cohort = FRAMES["cohort heatmap"].iloc[[2]]  # the February cohort alone, month 0 (100%)
    sent = _sent(customer_figures.make_cohort_heatmap(cohort, one_month_until=dt.date(2026, 2, 14)))
    assert sent["data"] == []
    lines = sent["layout"]["annotations"][0]["text"].split("<br>")
    assert " ".join(lines).startswith("2 customers bought for the first time in February 2026 up to 14 Feb.")
    assert max(len(line) for line in lines) <= 40  # fits a phone's card: plotly does not wrap
    # A longer range keeps its cells, even where only month 0 has customers yet.
    assert _sent(customer_figures.make_cohort_heatmap(cohort))["data"][0]["z"] == [[1.0]]


def test_cohort_heatmap_leaves_a_phone_the_width_for_its_cells():
    (heatmap,) = _sent(customer_figures.make_cohort_heatmap(FRAMES["cohort heatmap"]))["data"]
    assert heatmap["colorbar"]["orientation"] == "h"  # at the foot, not a fifth of the width
    assert all(re.fullmatch(r"[A-Z][a-z]{2} ’\d\d \([\d,]+\)", label) for label in heatmap["y"]), heatmap["y"]


@pytest.mark.parametrize(("months", "every_month"), [(3, True), (6, True), (7, False), (13, False)])
def test_monthly_categories_label_every_month_only_for_a_few(months, every_month):
    # A year's 13 forced labels stood on their side on a phone; plotly spaces labels to the width.
    starts = pd.date_range("2025-12-01", periods=months, freq="MS").date
    frame = pd.DataFrame(
        {"category": "Furniture", "month": starts, "sales": Decimal(1), "cumulative_sales": Decimal(1)}
    )
    xaxis = _sent(product_figures.make_category_monthly_figure(frame, FMT))["layout"]["xaxis"]
    assert (xaxis.get("dtick") == "M1") is every_month


def test_bar_value_labels_stay_level_inside_long_bars_and_past_short_ones():
    """A short bar beside a long one, in a tall chart: plotly's "auto" turned its label on end
    (or shrank it) to fit it inside; it goes past the bar's end instead, level."""
    df = pd.DataFrame({"region": ["West", "East", "South"], "sales": [Decimal("1000"), Decimal("450"), Decimal("90")]})
    (bars,) = figures.make_ranked_bars_figure(df, "region", FMT)["data"]
    assert bars["y"] == ["South", "East", "West"]  # biggest on top
    assert bars["textposition"] == ["outside", "inside", "inside"]
    assert bars["textangle"] == 0
    levels = pd.DataFrame(
        {
            "label": ["Chairs", "Tables"], "product_key": [None, None], "sales": [Decimal("-50"), Decimal("200")],
            "profit": [Decimal("1"), Decimal("2")], "margin": [None, None], "quantity": [1, 2], "orders": [1, 2],
        }
    )  # fmt: skip
    (bars,) = product_figures.make_product_level_figure(levels, FMT)["data"]
    assert bars["textposition"] == ["outside", "inside"]  # a loss's bar is measured by its length


def test_past_seven_categories_the_rest_stack_as_one_grey_grouping():
    """Ten categories: the seven biggest by sales keep their colors, none alike; the other three
    are one "(3 other categories)" stacked last, their shares and sales added up, and a click
    on it filters nothing (a label in parentheses)."""
    names = [f"Cat {c}" for c in "ABCDEFGHIJ"]
    sales = [Decimal(100 - 10 * i) for i in range(10)]  # A the biggest, J the smallest
    total = sum(sales)
    mix = pd.DataFrame({"segment": "Consumer", "category": names, "sales": sales, "share": [s / total for s in sales]})
    traces = segment_figures.make_category_mix_figure(mix, FMT)["data"]
    assert [t["name"] for t in traces] == [*names[:7], "(3 other categories)"]
    colors = [t["marker"]["color"] for t in traces]
    assert len(set(colors)) == 8 and colors[-1] == segment_figures.OTHER_COLOR
    assert traces[-1]["x"] == [pytest.approx(float((sales[7] + sales[8] + sales[9]) / total) * 100)]
    assert traces[-1]["customdata"][0][1] == FMT.money(sales[7] + sales[8] + sales[9])

    months = pd.DataFrame(
        {
            "month": [_month(1)] * 10 + [_month(2)] * 10,
            "category": names * 2,
            "sales": sales * 2,
            "cumulative_sales": [total] * 10 + [2 * total] * 10,
        }
    )
    traces = product_figures.make_category_monthly_figure(months, FMT)["data"]
    assert [t["name"] for t in traces] == [*names[:7], "(3 other categories)", "Cumulative sales"]
    assert traces[7]["y"] == [float(sales[7] + sales[8] + sales[9])] * 2
    assert traces[8]["y"] == [float(total), float(2 * total)]
    eight = months[months["category"].isin(names[:8])]  # one more than fit: all shown by name
    assert len(product_figures.make_category_monthly_figure(eight, FMT)["data"]) == 9


def test_past_seven_segments_the_rest_are_one_grey_line():
    """Ten segments over two months: eight colors came round again, two lines alike. The seven
    biggest keep theirs; the other three are one "(3 other segments)" line of their sums, drawn
    last."""
    names = [f"Seg {c}" for c in "JIHGFEDCBA"]  # J the biggest: the order is by sales, not name
    sales = [Decimal(100 - 10 * i) for i in range(10)]
    trend = pd.DataFrame({"bucket": [_month(1)] * 10 + [_month(2)] * 10, "segment": names * 2, "sales": sales * 2})
    traces = segment_figures.make_segment_trend_figure(trend, FMT)["data"]
    assert [t["name"] for t in traces] == [*sorted(names[:7]), "(3 other segments)"]
    colors = [t["line"]["color"] for t in traces]
    assert len(set(colors)) == 8 and colors[-1] == segment_figures.OTHER_COLOR
    assert traces[-1]["y"] == [float(sales[7] + sales[8] + sales[9])] * 2
    eight = trend[trend["segment"].isin(names[:8])]  # one more than fit: all shown by name
    assert len(segment_figures.make_segment_trend_figure(eight, FMT)["data"]) == 8
