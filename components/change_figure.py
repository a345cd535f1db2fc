"""What changed: a measure's move from the previous period to this one, split by the values of
a dimension (which categories, segments, regions, stores or products made it), as a waterfall
and a sentence. Only additive measures: each line has one value of the dimension, so the steps add up
to the change exactly (distinct customers, or orders per category, would not)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from components.figures import base_layout, figure, make_empty_figure
from components.formatting import NumberFormat

CHANGE_MEASURES = {"sales": "Sales", "profit": "Profit", "quantity": "Quantity"}
MAX_STEPS = 8  # values shown one by one, biggest moves first; the others are one step
RISE_COLOR, FALL_COLOR, TOTAL_COLOR = "#16a34a", "#dc2626", "#2563eb"


@dataclass(frozen=True)
class Change:
    """before -> after, and the steps between: (label, amount) by size of the move, the
    smaller moves summed into one last "(n others)" step when `others` is n > 0. Labels in
    parentheses are not values a filter can take."""

    before: Decimal
    after: Decimal
    steps: list[tuple[str, Decimal]]
    others: int = 0

    @property
    def delta(self) -> Decimal:
        return self.after - self.before


def measure_change(
    now: pd.DataFrame, then: pd.DataFrame, measure: str, key: str = "label", max_steps: int = MAX_STEPS
) -> Change:
    """now, then: label and measure per value of the dimension (data_access.sales breakdowns),
    told apart by `key` (a product's key: two products may share a name, and are two steps)."""
    before = {k: Decimal(value) for k, value in zip(then[key], then[measure], strict=True)}
    after = {k: Decimal(value) for k, value in zip(now[key], now[measure], strict=True)}
    names = dict(zip(then[key], then["label"], strict=True)) | dict(zip(now[key], now["label"], strict=True))
    moves = [(k, after.get(k, Decimal(0)) - before.get(k, Decimal(0))) for k in names]
    moves.sort(key=lambda move: (-abs(move[1]), str(names[move[0]]), str(move[0])))
    shown, rest = moves[:max_steps], moves[max_steps:]
    labels = [str(names[k]) for k, _ in shown]
    # Shown by label on a category axis, where two alike would be one bar.
    steps = [
        (label if labels.count(label) == 1 else f"{label} #{k}", amount)
        for label, (k, amount) in zip(labels, shown, strict=True)
    ]
    if rest:
        steps.append((f"({len(rest)} others)", sum((amount for _, amount in rest), Decimal(0))))
    return Change(sum(before.values(), Decimal(0)), sum(after.values(), Decimal(0)), steps, len(rest))


def _text(fmt: NumberFormat, measure: str, value: Decimal, signed: bool = False) -> str:
    if measure == "quantity":
        return fmt.signed(value) if signed else fmt.number(value)
    return fmt.signed_money(value) if signed else fmt.money(value)


def make_change_figure(change: Change, measure: str, fmt: NumberFormat, before_label: str, after_label: str) -> dict:
    """A horizontal waterfall, top to bottom: the previous period's total, each step, this
    period's total. Each bar's value is under its name on the axis, not beside the bar: the
    axis makes room for its labels, where a label beside the longest bars ran out of a phone's
    chart. customdata is the step's label, so a click can set that filter."""
    if change.before == 0 and change.after == 0 and not any(amount for _, amount in change.steps):
        return make_empty_figure(f"No {CHANGE_MEASURES[measure].lower()} in either period")
    names = [before_label, *(label for label, _ in change.steps), after_label]
    values = [change.before, *(amount for _, amount in change.steps), change.after]
    texts = [
        _text(fmt, measure, change.before),
        *(_text(fmt, measure, amount, signed=True) for _, amount in change.steps),
        _text(fmt, measure, change.after),
    ]
    colors = [TOTAL_COLOR, *(RISE_COLOR if amount >= 0 else FALL_COLOR for _, amount in change.steps), TOTAL_COLOR]
    waterfall = {
        "type": "waterfall",
        "orientation": "h",
        "y": [
            f"{name}<br><span style='color:{color}'>{text}</span>"
            for name, text, color in zip(names, texts, colors, strict=True)
        ],
        "x": [float(v) for v in values],
        "measure": ["absolute", *(["relative"] * len(change.steps)), "total"],
        "customdata": ["(before)", *(label for label, _ in change.steps), "(after)"],
        "hovertext": [f"{name}: {text}" for name, text in zip(names, texts, strict=True)],
        "hovertemplate": "%{hovertext}<extra></extra>",
        "connector": {"line": {"color": "#9ca3af", "width": 1, "dash": "dot"}},
        "increasing": {"marker": {"color": RISE_COLOR}},
        "decreasing": {"marker": {"color": FALL_COLOR}},
        "totals": {"marker": {"color": TOTAL_COLOR}},
    }
    money = measure != "quantity"
    axis = {"tickprefix": fmt.symbol, "tickformat": ".3~s"} if money else {"tickformat": ",~s"}
    layout = base_layout(
        fmt,
        hovermode="closest",
        showlegend=False,
        xaxis=axis | {"automargin": True},
        # Top to bottom in the order given: the previous total first, this period's last.
        yaxis={"automargin": True, "autorange": "reversed", "type": "category"},
        margin={"l": 10, "r": 20, "t": 10, "b": 10},
    )
    return figure([waterfall], layout)


def change_sentence(change: Change, measure: str, fmt: NumberFormat, against: str) -> str:
    """'Sales rose $285.00 (+90.5%) against the previous 59 days; the biggest move: Technology
    (+$240.00).'"""
    name = CHANGE_MEASURES[measure]
    if change.before == 0 and change.after != 0:  # All time, say: nothing came before the data
        verb = "were" if measure == "sales" else "was"
        return f"Nothing to compare with: {name.lower()} in {against} {verb} {_text(fmt, measure, Decimal(0))}."
    if change.delta == 0:
        moved = f"{name} did not change against {against}"
    else:
        verb = "rose" if change.delta > 0 else "fell"
        ratio = f" ({fmt.signed(change.delta / abs(change.before) * 100, 1)}%)" if change.before else ""
        moved = f"{name} {verb} {_text(fmt, measure, abs(change.delta))}{ratio} against {against}"
    singles = change.steps[: len(change.steps) - (1 if change.others else 0)]
    if not singles or not singles[0][1]:
        return f"{moved}."
    label, amount = singles[0]  # the steps come biggest move first
    return f"{moved}; the biggest move: {label} ({_text(fmt, measure, amount, signed=True)})."
