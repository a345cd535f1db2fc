"""Background jobs (the /data page's imports): Dash's DiskcacheManager, with every job's end reported."""

from __future__ import annotations

import threading

from dash import DiskcacheManager

# What the page hears of a job that ended without writing a result (the kernel's out-of-memory
# killer, a signal): nothing of the import was committed, as it never finished.
ENDED_SILENTLY = "its worker process ended without an answer (out of memory, or stopped)"


class JobManager(DiskcacheManager):
    """DiskcacheManager that never leaves the browser without an answer.

    On each poll Dash reads the job's result and *then* asks whether the job still runs; a job
    that is gone by then with no result read looks cancelled: Dash answers 204, the browser stops
    polling and the page shows nothing. That happens when the job writes its result just after
    the read (a fast import) and when it dies without writing one. Here such a job counts as
    running once more, with its result, or an error saying it ended, waiting for the next poll.
    """

    def __init__(self, cache):
        super().__init__(cache)
        # The poll being answered, (job, result key, whether a result was read): Dash reads the
        # result and then asks whether the job runs, on the same thread.
        self._poll = threading.local()

    def get_result(self, key, job):
        result = super().get_result(key, job)
        self._poll.last = (job, key, result is not self.UNDEFINED)
        return result

    def job_running(self, job):
        # Taken, not read: a later request on this thread must not act on this poll's key.
        polled_job, key, found = self._poll.__dict__.pop("last", (None, None, True))
        if super().job_running(job):
            return True
        if polled_job != job or found:
            return False
        if not self.result_ready(key):  # a process that is gone writes nothing more
            self.handle.set(key, {"background_callback_error": {"msg": ENDED_SILENTLY, "tb": ""}})
        return True
