"""Background jobs (the /data page's imports): Dash's DiskcacheManager without its lost-result race."""

from __future__ import annotations

import threading

from dash import DiskcacheManager


class JobManager(DiskcacheManager):
    """DiskcacheManager that never reports a finished job as cancelled.

    On each poll Dash reads the job's result and *then* asks whether the job still runs. A job
    that writes its result and exits between the two reads looks cancelled: Dash answers 204,
    the browser stops polling and the result stays unread in the cache (a fast import then shows
    nothing). Here a job that is gone counts as running while its result waits in the cache, so
    the next poll collects it.
    """

    def __init__(self, cache):
        super().__init__(cache)
        # job -> result key of the poll being answered; the two reads happen on one thread.
        self._polled = threading.local()

    def get_result(self, key, job):
        self._polled.job, self._polled.key = job, key
        return super().get_result(key, job)

    def job_running(self, job):
        if super().job_running(job):
            return True
        if getattr(self._polled, "job", None) != job:
            return False
        return self.result_ready(self._polled.key)
