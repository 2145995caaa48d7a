"""Where a route's blocking work runs: the thread pool, or, for writes to SQLite, one writer thread per process.

SQLite lets one writer in at a time, so forty pool threads each holding a request's write only queue on the
writer lock (`app/runtime.py`), and each wake-up fights the event loop for the GIL. Measured on the session write
at 64 connections (issue 13): one writer thread per process served about twice as many writes as the pool, with
the same rows stored. PostgreSQL writes in parallel and keeps the pool.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from backcoach.app.runtime import Runtime

P = ParamSpec("P")
T = TypeVar("T")


def _writer(request: Request) -> ThreadPoolExecutor | None:
    """This app's writer thread (started on first use, and again after a shutdown: an app may be served more than
    once, as tests do), or None for PostgreSQL."""
    state = request.app.state
    writer: ThreadPoolExecutor | None = getattr(state, "writer", None)
    if writer is None:
        runtime: Runtime = state.runtime
        if runtime.engine.dialect.name != "sqlite":
            return None
        writer = state.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="backcoach-writer")
    return writer


def stop_writer(app: Starlette) -> None:
    """Let the writer finish what it was given, when the app stops serving."""
    writer: ThreadPoolExecutor | None = getattr(app.state, "writer", None)
    if writer is not None:
        app.state.writer = None
        writer.shutdown(wait=True)


async def write(request: Request, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run `fn` where this app's writes run, and wait for it without holding up the event loop.

    With SQLite, when no writer in any process holds the database's lock, `fn` runs at once on the event loop,
    under that lock: a write is a millisecond or two of CPU, less than handing it to the writer thread and waking
    the loop again costs (and the two threads of one process fight over the GIL, which stretches the time the
    lock is held: every other process waits that long). Only a write that would wait for the lock goes to the
    writer thread, which waits there. Measured at 64 connections with 2 workers (BENCHMARKS.md)."""
    writer = _writer(request)
    if writer is None:
        return await run_in_threadpool(fn, *args, **kwargs)
    lock = request.app.state.runtime.writer_lock
    if lock is not None and lock.acquire(blocking=False):
        try:
            return fn(*args, **kwargs)
        finally:
            lock.release()
    return await asyncio.get_running_loop().run_in_executor(writer, functools.partial(fn, *args, **kwargs))
