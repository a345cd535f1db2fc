"""A worker's resident memory: fewer glibc malloc arenas.

glibc gives a thread that allocates while another holds the main arena an arena of its own, up
to eight per core, and memory freed into one arena serves that arena alone. A worker runs
gunicorn's request threads and run_concurrently's query threads, so pandas frames and JSON
answers freed by one thread stay resident beside the next thread's. In the 1M-line bench the
largest worker held 286 MB with glibc's default and 261 MB with two arenas, at the same speed
(issue 5 wants a worker under 300 MB whatever the data).
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_ARENA_MAX = -8  # <malloc.h>
WORKER_ARENAS = 2


def limit_malloc_arenas(arenas: int = WORKER_ARENAS) -> bool:
    """Arenas created from now on stop at `arenas`; False where the C library is not glibc
    (musl has no arenas to limit), True when glibc took the limit."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    return mallopt(M_ARENA_MAX, arenas) == 1
