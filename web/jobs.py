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
        # The poll being answered: job, result key and whether a result was read. Dash reads
        # the result and asks whether the job runs on the same thread.
        self._poll = threading.local()

    def get_result(self, key, job):
        result = super().get_result(key, job)
        self._poll.job, self._poll.key, self._poll.found = job, key, result is not self.UNDEFINED
        return result

    def job_running(self, job):
        if super().job_running(job):
            return True
        poll = self._poll
        if getattr(poll, "job", None) != job or poll.found:
            return False
        if not self.result_ready(poll.key):  # a process that is gone writes nothing more
            self.handle.set(poll.key, {"background_callback_error": {"msg": ENDED_SILENTLY, "tb": ""}})
        return True
