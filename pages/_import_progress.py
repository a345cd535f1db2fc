"""The import's progress bar keeps moving through a long step.

An import reports a step as it starts. Its order lines' step, where every summary is updated in
the same transaction, is most of a large file's import (about 30 s of 33 for 200,000 lines), and
the bar sat still at 65 % all that time. Between reports a ticker moves the bar towards the end,
more slowly the longer the step takes, and says how long the step has been running.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import contextmanager

LAST = 96  # the bar creeps up to here; committing reports 97


@contextmanager
def steady_progress(set_progress: Callable, every: float = 1.0, quiet: float = 2.0, half_life: float = 15.0):
    """A progress(percent, step) for import_file that passes each report on to set_progress
    ((percent, text)) and, every `every` s after a step has run `quiet` s, a bar value halfway
    nearer LAST per `half_life` s of the step. The bar never moves back."""
    lock, stop = threading.Lock(), threading.Event()
    state = {"step": None, "shown": 0.0}

    def show(percent: float, text: str) -> None:
        state["shown"] = max(state["shown"], percent)
        set_progress((round(state["shown"]), text))

    def progress(percent: int, step: str) -> None:
        with lock:
            state["step"] = (percent, step, time.monotonic())
            show(percent, step + "…")

    def tick() -> None:
        while not stop.wait(every):
            with lock:
                if state["step"] is None:
                    continue
                percent, step, started = state["step"]
                elapsed = time.monotonic() - started
                if elapsed >= quiet and percent < LAST:
                    crept = percent + (LAST - percent) * (1 - 0.5 ** (elapsed / half_life))
                    show(crept, f"{step}… {elapsed:.0f} s")

    ticker = threading.Thread(target=tick, name="import-progress", daemon=True)
    ticker.start()
    try:
        yield progress
    finally:
        stop.set()
        ticker.join()
