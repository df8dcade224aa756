"""Python's cycle collector paused while a file is read and imported.

An import keeps every row of its file alive (cells, checked values, records) and adds
to them all along, so the collector, which runs after every so many new objects,
walks the ever larger heap again and again: 1.7–2.6 s of a 10 s import of 100,000
sessions, stopping both the checking thread and the one feeding the database
(docs/benchmarks.md, eighth session). Reference counting still frees what the import
drops; the few cycles it leaves are collected once the collector runs again.
"""

import gc
import threading
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0  # blocks running with the collector paused, in any thread
_was_enabled = False


@contextmanager
def collector_paused():
    """Run the block with the cycle collector paused; it resumes when the last such
    block ends (imports may run side by side in one process's threads), unless it was
    off before the first began."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
