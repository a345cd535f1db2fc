"""The background job manager of /data: a job that ends while Dash polls it still delivers its result."""

from __future__ import annotations

import multiprocessing

import diskcache
from dash import DiskcacheManager

from web.jobs import ENDED_SILENTLY, JobManager


def _finish_when_told(folder: str, key: str, go, result) -> None:
    go.wait(30)
    if result is not None:
        diskcache.Cache(folder).set(key, result)


def _job(tmp_path, result):
    go = multiprocessing.Event()
    job = multiprocessing.Process(target=_finish_when_told, args=(str(tmp_path), "key", go, result))
    job.start()
    return job, go


def test_a_job_that_ends_between_two_reads_of_a_poll_is_collected_by_the_next(tmp_path):
    manager = JobManager(diskcache.Cache(str(tmp_path)))
    job, go = _job(tmp_path, ["Imported #1"])
    pid = str(job.pid)
    # Dash's poll: first the result (not there yet, the job is working) ...
    assert manager.get_result("key", pid) is manager.UNDEFINED
    go.set()
    job.join(30)
    # ... then whether the job runs: it has just written its result and exited.
    assert not DiskcacheManager.job_running(manager, pid), "the race Dash's own manager loses"
    assert manager.job_running(pid), "still 'running', so the browser polls again"
    assert manager.get_result("key", pid) == ["Imported #1"]
    assert not manager.job_running(pid)


def test_a_job_killed_before_its_result_is_reported_as_an_error(tmp_path):
    manager = JobManager(diskcache.Cache(str(tmp_path)))
    job, _go = _job(tmp_path, ["never written"])
    pid = str(job.pid)
    assert manager.get_result("key", pid) is manager.UNDEFINED
    assert manager.job_running(pid)
    job.kill()  # as the out-of-memory killer would
    job.join(30)
    assert manager.get_result("key", pid) is manager.UNDEFINED
    assert manager.job_running(pid), "one more poll, to carry the error"
    assert not manager.job_running(pid), "each poll's read is acted on once"
    assert manager.get_result("key", pid) == {"background_callback_error": {"msg": ENDED_SILENTLY, "tb": ""}}
    assert not manager.job_running(pid)


def test_an_import_that_raises_says_why_on_the_page(flask_app):
    from dash.exceptions import BackgroundCallbackError

    from pages.data import _stopped, _undo_stopped

    # The exception Dash hands on_error when the job raised: its message, then the traceback.
    prefix = "An error occurred inside a background callback: "
    raised = BackgroundCallbackError(prefix + "connection to server failed\nTraceback (most recent call last):")
    alert, *_unchanged = _stopped(raised)
    assert alert.children == (
        "The import stopped with an error: connection to server failed. An import changes nothing unless it finishes."
    )
    assert alert.color == "danger"
    undo_alert, *_unchanged = _undo_stopped(raised)
    assert undo_alert.children == "The undo stopped with an error: connection to server failed. Nothing was undone."
