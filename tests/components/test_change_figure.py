"""What changed: the steps between two periods' totals, the waterfall and its sentence, on
frames whose answer is worked out by hand."""

from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go

from components.change_figure import change_sentence, make_change_figure, measure_change
from components.formatting import NumberFormat

FMT = NumberFormat("USD", "en_US")


def _frame(rows: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"label": list(rows), "sales": [Decimal(v) for v in rows.values()]})


# The fixture shop (tests/fixture_data.py), January-February 2026 against the previous 59 days:
# Furniture 300.00 both times, Office Supplies 15.00 -> 60.00, Technology none -> 240.00.
NOW = _frame({"Furniture": "300.00", "Technology": "240.00", "Office Supplies": "60.00"})
THEN = _frame({"Furniture": "300.00", "Office Supplies": "15.00"})


def test_steps_go_biggest_move_first_and_add_up_to_the_change():
    change = measure_change(NOW, THEN, "sales")
    assert (change.before, change.after, change.delta) == (Decimal("315.00"), Decimal("600.00"), Decimal("285.00"))
    assert change.steps == [("Technology", Decimal("240.00")), ("Office Supplies", Decimal("45.00")), ("Furniture", 0)]
    assert change.before + sum(amount for _, amount in change.steps) == change.after


def test_the_smaller_moves_are_one_step_that_keeps_the_sum():
    now = _frame({"A": "10.00", "B": "5.00", "C": "1.01", "D": "0.02"})
    then = _frame({"A": "1.00", "B": "8.00", "C": "1.00", "E": "0.50"})
    change = measure_change(now, then, "sales", max_steps=2)
    assert change.steps == [("A", Decimal("9.00")), ("B", Decimal("-3.00")), ("(3 others)", Decimal("-0.47"))]
    assert change.others == 3
    assert change.before + sum(amount for _, amount in change.steps) == change.after == Decimal("16.03")


def test_two_products_of_one_name_are_two_steps():
    now = pd.DataFrame({"label": ["Lamp", "Lamp"], "product_key": [1, 2], "sales": [Decimal("5.00"), Decimal("2.00")]})
    then = pd.DataFrame({"label": ["Lamp"], "product_key": [2], "sales": [Decimal("3.00")]})
    change = measure_change(now, then, "sales", key="product_key")
    assert change.steps == [("Lamp #1", Decimal("5.00")), ("Lamp #2", Decimal("-1.00"))]
    assert (change.before, change.after) == (Decimal("3.00"), Decimal("7.00"))


def test_waterfall_runs_from_the_previous_total_to_this_one():
    fig = go.Figure(make_change_figure(measure_change(NOW, THEN, "sales"), "sales", FMT, "Previous 59 days", "Now"))
    (trace,) = fig.data
    assert trace.type == "waterfall" and trace.orientation == "h"
    assert list(trace.measure) == ["absolute", "relative", "relative", "relative", "total"]
    assert list(trace.x) == [315.0, 240.0, 45.0, 0.0, 600.0]
    assert list(trace.customdata) == ["(before)", "Technology", "Office Supplies", "Furniture", "(after)"]
    assert trace.y[0].startswith("Previous 59 days<br>") and "$315.00" in trace.y[0]
    assert "+$240.00" in trace.y[1] and "$600.00" in trace.y[-1]
    assert trace.hovertext[1] == "Technology: +$240.00"
    assert fig.layout.yaxis.autorange == "reversed"  # read top to bottom


def test_a_fall_is_red_and_said_so():
    change = measure_change(THEN, NOW, "sales")  # the same two periods the other way round
    trace = go.Figure(make_change_figure(change, "sales", FMT, "Before", "After")).data[0]
    assert "#dc2626" in trace.y[1] and "-$240.00" in trace.y[1]
    sentence = change_sentence(change, "sales", FMT, "the previous 59 days")
    assert sentence == (
        "Sales fell $285.00 (-47.5%) against the previous 59 days; the biggest move: Technology (-$240.00)."
    )


def test_sentence_names_the_biggest_single_move():
    sentence = change_sentence(measure_change(NOW, THEN, "sales"), "sales", FMT, "the previous 59 days")
    assert sentence == (
        "Sales rose $285.00 (+90.5%) against the previous 59 days; the biggest move: Technology (+$240.00)."
    )


def test_nothing_earlier_or_no_change_is_said_so():
    change = measure_change(NOW, THEN.iloc[0:0], "sales")
    assert change_sentence(change, "sales", FMT, "the previous 731 days") == (
        "Nothing to compare with: sales in the previous 731 days were $0.00."
    )
    same = measure_change(NOW, NOW, "sales")
    assert change_sentence(same, "sales", FMT, "last year") == "Sales did not change against last year."


def test_quantity_is_a_count_not_money():
    now = pd.DataFrame({"label": ["X"], "quantity": [12]})
    then = pd.DataFrame({"label": ["X"], "quantity": [20]})
    change = measure_change(now, then, "quantity")
    assert change_sentence(change, "quantity", FMT, "last year") == (
        "Quantity fell 8 (-40.0%) against last year; the biggest move: X (-8)."
    )


def test_nothing_in_either_period_is_an_explained_empty_chart():
    empty = _frame({})
    fig = go.Figure(make_change_figure(measure_change(empty, empty, "sales"), "sales", FMT, "Before", "After"))
    assert len(fig.data) == 0
    assert fig.layout.annotations[0].text == "No sales in either period"
