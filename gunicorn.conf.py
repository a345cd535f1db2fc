"""gunicorn's settings, from the same Settings as the app (Procfile: `gunicorn app:server`).

The master process checks SECRET_KEY, migrates the database (starting the embedded one when
there is no DATABASE_URL) and prepares the metrics directory before any worker starts.
"""

import os
import shutil
import sys

from data_access.settings import get_settings
from web.security import logging_config

_settings = get_settings()
_metrics_dir = _settings.data_dir / "metrics"
# prometheus_client reads this when a worker imports it: counters go to per-process files
# there, and /metrics adds them up across workers.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.web_workers
threads = _settings.web_threads
worker_class = "gthread"
timeout = _settings.web_timeout_s
graceful_timeout = 30
logconfig_dict = logging_config(_settings.log_level)
accesslog = None  # our own request log line (web.security) carries the request id and user


def on_starting(server):
    if not _settings.secret_key:
        sys.exit("SECRET_KEY is not set. Every worker must sign sessions with the same key: export SECRET_KEY=...")
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    _metrics_dir.mkdir(parents=True)
    from ingest.bootstrap import prepare_database

    # Demo data only for the embedded database: never into a production server's empty one.
    prepare_database(load_demo_if_empty=_settings.uses_embedded_database)


def post_fork(server, worker):
    from web.memory import limit_malloc_arenas

    limit_malloc_arenas()  # before the worker starts its threads


def post_worker_init(worker):
    from app import warm_up

    warm_up()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
