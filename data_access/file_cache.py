"""The result cache's file backend: flask-caching's FileSystemCache, its writes made behind the
request by a thread of the process.

Why: storing an entry is two files written (the entry, then the threshold's count file) with a
chmod and a stat each, ~1 ms on this machine, and a cold page request stores every query result
and its whole answer: 10-25 ms of a products or segments request at 10M lines, in-process
replays of 12 filters answering 1-34 % faster with an in-memory cache. Here set() pickles the
value at once (what is stored is the value as it was when set, as before) and keeps the bytes
in memory until the writer thread has put them on disk; get() in this process finds them there
meanwhile. Another worker finds the entry once it is on disk (a few ms later) and computes it
itself before that, as it would have before the first worker finished.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import struct
import tempfile
import threading
from time import monotonic, time
from typing import Any

from flask_caching.backends.filesystemcache import FileSystemCache

logger = logging.getLogger(__name__)
_STARTING = threading.Lock()  # one writer per process, however many threads set at once


def _fresh(expires: int) -> bool:
    """Whether an entry stored with this expiry is still good (0: never expires), as
    FileSystemCache reads its files."""
    return expires == 0 or expires >= time()


class WriteBehindFileSystemCache(FileSystemCache):
    """FileSystemCache whose set() returns before the file is written (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending: dict[str, tuple[int, bytes]] = {}  # key -> (expires, pickle), not on disk yet
        self._pending_lock = threading.Lock()
        self._pid: int | None = None
        self._writer: threading.Thread | None = None

    def _started(self) -> queue.Queue:
        """This process's write queue, with a writer serving it. The writer starts on first use (a
        gunicorn worker is forked after the app is loaded, and threads do not survive a fork) and
        again if it died (dash's test runner stops every thread a test started)."""
        if self._pid != os.getpid() or not self._writer.is_alive():
            with _STARTING:
                if self._pid != os.getpid() or not self._writer.is_alive():
                    if self._pid != os.getpid():
                        self._pending_lock = threading.Lock()  # a lock copied by fork may be held
                        self._pending.clear()  # the parent's to write
                    self._writes: queue.Queue = queue.Queue()
                    for key in list(self._pending):  # left by a writer that died
                        self._writes.put(key)
                    self._writer = threading.Thread(
                        target=self._write_behind, args=(self._writes,), name="cache-writer", daemon=True
                    )
                    self._writer.start()
                    if self._pid is None:
                        atexit.register(self._flush_at_exit)
                    self._pid = os.getpid()
        return self._writes

    def set(self, key: str, value: Any, timeout: Any = None, mgmt_element: bool = False) -> bool:
        if mgmt_element:  # the threshold's count file: already on the writer's thread
            return super().set(key, value, timeout, mgmt_element=True)
        data = self.serializer.dumps(value)
        if data is None:  # not picklable: the serializer logged why
            return False
        writes = self._started()
        with self._pending_lock:
            self._pending[key] = (self._normalize_timeout(timeout), data)
        writes.put(key)
        return True

    def get(self, key: str) -> Any:
        entry = self._pending.get(key)
        if entry is None:
            return super().get(key)
        expires, data = entry
        return self.serializer.loads(data) if _fresh(expires) else None

    def has(self, key: str) -> bool:
        entry = self._pending.get(key)
        if entry is None:
            return super().has(key)
        return _fresh(entry[0])

    def add(self, key: str, value: Any, timeout: Any = None) -> bool:
        return False if self.has(key) else self.set(key, value, timeout)

    def delete(self, key: str, mgmt_element: bool = False) -> bool:
        self.flush()  # a write still queued would bring the entry back
        return super().delete(key, mgmt_element=mgmt_element)

    def clear(self) -> bool:
        self.flush()
        return super().clear()

    def flush(self, timeout: float = 30) -> bool:
        """Wait until every entry set so far in this process is on disk (False: still not after
        timeout seconds)."""
        deadline = monotonic() + timeout
        while monotonic() < deadline:
            written = threading.Event()
            self._started().put(written)  # the writer takes the queue in order
            while self._writer.is_alive() and monotonic() < deadline:
                if written.wait(0.05):
                    return True
            # The writer died with the queue: another one takes what is pending.
        return False

    def _flush_at_exit(self) -> None:
        """A command's last entries reach the disk too (a thread can no longer be started this
        late on newer Pythons: what a dead writer left is then not written)."""
        with contextlib.suppress(RuntimeError):
            self.flush(timeout=10)

    def _write_behind(self, writes: queue.Queue) -> None:
        try:
            while True:
                self._write_next(writes.get())
        except SystemExit:  # told to stop (dash's test runner stops every thread a test started)
            return

    def _write_next(self, key: str | threading.Event) -> None:
        if isinstance(key, threading.Event):  # flush(): everything before it is written
            key.set()
            return
        entry = self._pending.get(key)
        if entry is None:
            return
        try:
            self._write(key, *entry)
        except Exception:  # the thread must outlive any one entry
            logger.exception("the result cache could not store an entry")
        with self._pending_lock:
            if self._pending.get(key) is entry:  # not set anew meanwhile
                del self._pending[key]

    def _write(self, key: str, expires: int, data: bytes) -> None:
        """Store as FileSystemCache.set does (the expiry, then the pickle; written aside, then
        renamed over, given the cache's file mode), so FileSystemCache.get reads it."""
        self._prune()
        filename = self._get_filename(key)
        overwrite = os.path.isfile(filename)
        fd, written = tempfile.mkstemp(suffix=self._fs_transaction_suffix, dir=self._path)
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("I", expires))
            f.write(data)
        os.replace(written, filename)
        os.chmod(filename, self._mode)
        if not overwrite:
            self._update_count(delta=1)
