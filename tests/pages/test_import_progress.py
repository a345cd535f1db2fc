"""The import's progress bar between two reports: it creeps on, never back, and stops with the import."""

import threading
import time

from pages._import_progress import LAST, steady_progress


def test_a_long_step_moves_the_bar_on_and_the_next_report_takes_over():
    shown, lock = [], threading.Lock()

    def record(value):
        with lock:
            shown.append(value)

    with steady_progress(record, every=0.05, quiet=0.2, half_life=0.5) as progress:
        progress(30, "Loading customers")  # a quick step: reported once, not ticked
        progress(65, "Loading 9 order lines")
        time.sleep(1.0)
        progress(20, "A step reported lower")  # the bar does not go back
        progress(97, "Committing")
    time.sleep(0.2)

    assert shown[:2] == [(30, "Loading customers…"), (65, "Loading 9 order lines…")]
    ticked = shown[2:-2]
    assert len(ticked) >= 5, ticked
    percents = [percent for percent, _ in ticked]
    assert percents == sorted(percents) and 65 < percents[-1] <= LAST
    assert all(text.startswith("Loading 9 order lines… ") and text.endswith(" s") for _, text in ticked)
    assert shown[-2:] == [(percents[-1], "A step reported lower…"), (97, "Committing…")]
