"""Clean files in worker processes with a memory cap and a deadline.

Why other processes: a few kilobytes can declare an image (or a PDF image stream) that takes
hundreds of megabytes and seconds to decode, and an anonymous client can send several at once.
Checking declared sizes first (we do, see `CleaningLimits.max_pixels`) stops the plain bombs,
but not every allocation inside Pillow, qpdf or a compressed PDF stream is announced in a
header. Only the kernel can bound them all: each worker sets ``RLIMIT_AS`` (its whole address
space) before it takes a file, so an allocation past the cap fails inside the worker
(``MemoryError``, reported as "too complex") and the server stays whole. A cleaning that
outlasts ``seconds`` is stopped by terminating the pool (the only way to stop a running task;
a new pool starts for the next file). At most ``concurrent`` cleanings run at a time; further
uploads wait their turn (a queue in front of heavy cleaning) instead of adding up in memory.

The workers are a `multiprocessing` pool started through a ``forkserver`` that has already
imported Pillow, pikepdf and mutagen: no thread of the web server is ever forked, and a worker
is reused for many files, since starting one costs as much as importing the application.
"""

from __future__ import annotations

import atexit
import functools
import multiprocessing
import multiprocessing.pool
import resource
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._errors import RejectedFile

_CLEANERS_MODULE = "vigil.intake.attachments._cleaners"


@dataclass(frozen=True)
class CleaningLimits:
    """How much one cleaning may cost. The defaults are the settings' defaults."""

    max_pixels: int = 40_000_000  # images and PDF images; a 12 MP phone photo is far below
    memory_bytes: int = 1024 * 1024 * 1024  # address space of the cleaning process
    seconds: float = 60.0
    concurrent: int = 2

    @classmethod
    def from_settings(cls, settings: Any) -> CleaningLimits:
        return cls(
            max_pixels=settings.attachment_max_pixels,
            memory_bytes=settings.attachment_clean_memory_mb * 1024 * 1024,
            seconds=settings.attachment_clean_seconds,
            concurrent=settings.attachment_cleaners,
        )


_MEMORY_LIMITED_TASKS = 25  # a worker is replaced after this many files (fragmentation)
_pools: dict[tuple[int, int], multiprocessing.pool.Pool] = {}
_pools_lock = threading.Lock()


@functools.cache
def _context() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([_CLEANERS_MODULE])
    return context


@functools.cache
def _slots(concurrent: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(concurrent)


def _limit_memory(memory: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))


def _pool(limits: CleaningLimits) -> tuple[tuple[int, int], multiprocessing.pool.Pool]:
    key = (limits.concurrent, limits.memory_bytes)
    with _pools_lock:
        if key not in _pools:
            _pools[key] = _context().Pool(
                limits.concurrent,
                initializer=_limit_memory,
                initargs=(limits.memory_bytes,),
                maxtasksperchild=_MEMORY_LIMITED_TASKS,
            )
        return key, _pools[key]


def _discard(key: tuple[int, int], pool: multiprocessing.pool.Pool) -> None:
    with _pools_lock:
        if _pools.get(key) is pool:
            del _pools[key]
    pool.terminate()


@atexit.register
def _close_pools() -> None:
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.terminate()


def _task(clean: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, ...]:
    """Runs in a worker: the outcome as plain data (exceptions do not cross processes well)."""
    try:
        return ("ok", clean(*args))
    except RejectedFile as rejected:
        return ("rejected", rejected.code, str(rejected))
    except MemoryError:
        return ("rejected", "too_complex", None)


def run_bounded(clean: Callable[..., Any], *args: Any, limits: CleaningLimits) -> Any:
    """``clean(*args)`` in a bounded worker; RejectedFile("too_complex") if it ran out of memory
    or time. ``clean`` must be a module-level function of ``_cleaners`` (it is pickled)."""
    with _slots(limits.concurrent):
        key, pool = _pool(limits)
        pending = pool.apply_async(_task, (clean, args))
        try:
            outcome = pending.get(limits.seconds)
        except multiprocessing.TimeoutError as error:  # also a worker that died on the task
            _discard(key, pool)
            raise RejectedFile("too_complex") from error
    if outcome[0] == "rejected":
        raise RejectedFile(outcome[1], outcome[2])
    return outcome[1]
