"""Personal responses served from the runtime's cache (`app/cache.py`) while the person's data is unchanged.

A hit costs the token's one-row read (which brings the revision) and a dictionary lookup, on the event loop. A miss
builds the body in the thread pool, as a plain route would, and stores it under the revision the build itself read:
never under the one the request began with, which a write may already have overtaken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable

from starlette.concurrency import run_in_threadpool

from backcoach.app.runtime import Runtime
from backcoach.web.deps import Caller

Built = tuple[bytes, int, dt.datetime]
"""A body, the revision it was built from, and the instant it may change with nothing written."""


async def personal(runtime: Runtime, caller: Caller, key: Hashable, build: Callable[[], Built]) -> bytes:
    hit = runtime.cache.get(caller.user_id, key, caller.revision, runtime.now())
    if hit is not None:
        return hit
    body, revision, valid_until = await run_in_threadpool(build)
    runtime.cache.put(caller.user_id, key, revision, valid_until, body)
    return body
