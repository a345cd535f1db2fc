"""A worker's malloc arenas: eight threads allocating at once get eight arenas of their own
unless the worker limited them (web/memory.py, gunicorn.conf.py's post_fork)."""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Counts the arenas glibc reports (malloc_info's <heap> elements) after eight threads each
# allocated while the others were alive (an arena left by a thread that ended is reused).
ARENAS_AFTER_EIGHT_THREADS = """
import ctypes, ctypes.util, sys, tempfile, threading
from web.memory import limit_malloc_arenas

if sys.argv[1] == "limit":
    assert limit_malloc_arenas(2)
together = threading.Barrier(8)

def allocate():
    blobs = [bytearray(100_000) for _ in range(10)]  # past pymalloc's small blocks: malloc
    together.wait()

threads = [threading.Thread(target=allocate) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.fopen.restype = ctypes.c_void_p
report = tempfile.NamedTemporaryFile(suffix=".xml")
stream = ctypes.c_void_p(libc.fopen(report.name.encode(), b"w"))
libc.malloc_info(0, stream)
libc.fclose(stream)
print(open(report.name).read().count("<heap nr="))
"""


def _arenas(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", ARENAS_AFTER_EIGHT_THREADS, mode], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return int(done.stdout)


def test_a_limited_worker_keeps_two_arenas_where_glibc_would_make_one_per_thread():
    assert _arenas("default") > 2  # the main arena and one per thread (9 here)
    assert _arenas("limit") == 2
