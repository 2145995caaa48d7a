"""Personal responses served from the runtime's cache (`app/cache.py`) while the person's data is unchanged.

A hit costs the token's one-row read (which brings the revision) and a dictionary lookup, on the event loop. A miss
builds the body in the thread pool, as a plain route would, and stores it under the revision the build itself read:
never under the one the request began with, which a write may already have overtaken. Requests that miss together
on the same entry share one build: after a write, a person's open tabs and retries would otherwise all rebuild it
at once, each slowed by the others.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Hashable

from starlette.concurrency import run_in_threadpool

from backcoach.app.runtime import Runtime
from backcoach.web.deps import Caller

Built = tuple[bytes, int, dt.datetime]
"""A body, the revision it was built from, and the instant it may change with nothing written."""

# Keyed by event loop and cache as well: a future belongs to one loop, and tests run several apps in one process.
_building: dict[tuple[int, int, int, Hashable, int], asyncio.Future[bytes]] = {}


async def personal(runtime: Runtime, caller: Caller, key: Hashable, build: Callable[[], Built]) -> bytes:
    hit = runtime.cache.get(caller.user_id, key, caller.revision, runtime.now())
    if hit is not None:
        return hit
    loop = asyncio.get_running_loop()
    flight = (id(loop), id(runtime.cache), caller.user_id, key, caller.revision)
    running = _building.get(flight)
    if running is not None:
        return await asyncio.shield(running)
    future: asyncio.Future[bytes] = loop.create_future()
    _building[flight] = future
    try:
        body, revision, valid_until = await run_in_threadpool(build)
        runtime.cache.put(caller.user_id, key, revision, valid_until, body)
        future.set_result(body)
        return body
    except BaseException as exc:
        # Those waiting get the same answer: a blocked screen is a 403 for all of them.
        future.set_exception(exc)
        future.exception()  # retrieved here, so an unawaited future logs nothing
        raise
    finally:
        del _building[flight]
