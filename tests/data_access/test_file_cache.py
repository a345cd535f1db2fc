"""The file cache's writes behind the request (data_access.file_cache), on a real folder."""

import threading

from data_access.file_cache import WriteBehindFileSystemCache


def _cache(folder) -> WriteBehindFileSystemCache:
    return WriteBehindFileSystemCache(str(folder), threshold=1000, default_timeout=300)


def test_an_entry_is_the_value_as_set_at_once_and_on_disk_after_the_write(tmp_path):
    cache = _cache(tmp_path)
    value = {"sales": ["10.00"]}
    assert cache.set("k", value)
    value["sales"].append("changed after it was stored")
    assert cache.get("k") == {"sales": ["10.00"]} and cache.has("k")
    cache.flush()
    another_worker = _cache(tmp_path)  # reads the folder only
    assert another_worker.get("k") == {"sales": ["10.00"]}
    assert another_worker._file_count == 1
    assert cache.get("missing") is None and not cache.has("missing")


def test_a_deleted_or_cleared_entry_does_not_come_back(tmp_path):
    cache = _cache(tmp_path)
    cache.set("gone", 1)
    cache.delete("gone")
    cache.set("cleared", 2)
    cache.clear()
    cache.flush()
    assert cache.get("gone") is None and cache.get("cleared") is None
    assert _cache(tmp_path).get("gone") is None and _cache(tmp_path).get("cleared") is None


def test_entries_set_by_many_threads_at_once_are_all_written(tmp_path):
    cache = _cache(tmp_path)

    def store(thread: int) -> None:
        for i in range(40):
            cache.set(f"{thread}:{i}", thread * 1000 + i)

    threads = [threading.Thread(target=store, args=(t,)) for t in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cache.flush()
    reader = _cache(tmp_path)
    assert all(reader.get(f"{t}:{i}") == t * 1000 + i for t in range(6) for i in range(40))
    assert reader._file_count == 240


def test_an_expired_entry_is_not_answered_before_it_is_written(tmp_path):
    cache = _cache(tmp_path)
    cache.set("old", 1, timeout=-10)  # expired when set
    assert cache.get("old") is None and not cache.has("old")


def test_a_writer_that_dies_is_replaced_and_what_it_left_is_written(tmp_path):
    """dash's test runner stops every thread a test started by raising SystemExit in it; the
    cache must go on storing (and flush() must not wait forever on a queue nobody serves)."""
    import ctypes

    cache = _cache(tmp_path)
    cache.set("before", 1)
    assert cache.flush(timeout=10)
    writer = cache._writer
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(writer.ident), ctypes.py_object(SystemExit))
    cache.set("after", 2)  # wakes the writer, which dies
    writer.join(10)
    assert not writer.is_alive()
    assert cache.flush(timeout=10)
    cache.set("later", 3)
    assert cache.flush(timeout=10)
    reader = _cache(tmp_path)
    assert (reader.get("before"), reader.get("after"), reader.get("later")) == (1, 2, 3)
