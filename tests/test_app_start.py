"""`python app.py` (what `make run` starts) on the embedded default, end to end.

Starts the real process twice on one data folder: it must create the server, schema and demo
data, serve HTTP, load demo data only into an empty database, and stop PostgreSQL on SIGTERM
even after an earlier user of the server died without cleaning up.
"""

import json
import os
import pathlib
import signal
import subprocess
import sys
import time
import urllib.request

import psutil

from bench.pages import free_port

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _postgres_running(pgdata: pathlib.Path) -> bool:
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and str(pgdata) in " ".join(proc.info["cmdline"] or []):
            return True
    return False


def _serve_then_terminate(env: dict, port: int) -> str:
    proc = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "app did not serve within 120 s"
                time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    return output


def test_app_runs_on_embedded_postgres_and_stops_it(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env |= {"DATA_DIR": str(tmp_path / "data"), "PORT": str(port), "DEMO_LINES": "2000"}
    pgdata = tmp_path / "data" / "pg"

    first = _serve_then_terminate(env, port)
    assert "loading 2000 lines of demo data" in first
    assert not _postgres_running(pgdata), "SIGTERM must stop the embedded PostgreSQL"

    # A process that used the server and died hard stays listed as a user of it.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (pgdata / ".handle_pids.json").write_text(json.dumps([dead.pid]))

    second = _serve_then_terminate(env, port)
    assert "demo data" not in second, "demo data must load only into an empty database"
    assert not _postgres_running(pgdata)
