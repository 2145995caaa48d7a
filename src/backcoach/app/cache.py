"""What is drawn from one person's data (today's plan as the bytes the API sends, their Today and Progress pages),
kept in this process until their data changes.

Correct with any number of processes because nothing here is trusted on its own: every entry carries the person's
revision from the database (bumped in the same transaction as every write, `Runtime.unit`) and the instant it may
change with nothing written (the next midnight, a safety screen expiring). A request reads the person's current
revision with its token (`accounts.resolve_token`) and takes an entry only when both still hold, so a write through
any process is seen by the next request through every other one.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar, cast

T = TypeVar("T")

DEFAULT_SIZE = 4096
"""Entries per process: a plan is a few kilobytes and a page a few tens, so at most some tens of megabytes."""


@dataclass(frozen=True)
class Entry:
    revision: int
    valid_until: dt.datetime
    body: bytes


class PersonalCache:
    """A bounded, least-recently-used map from (person, what) to bytes, each valid for one revision and until an
    instant. Thread-safe: the web app's thread pool fills it while the event loop reads it."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[int, Hashable], Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, user_id: int, key: Hashable, revision: int, now: dt.datetime) -> bytes | None:
        """The bytes stored for this person and key, if stored at `revision` and still valid at `now`."""
        with self._lock:
            entry = self._entries.get((user_id, key))
            if entry is None or entry.revision != revision or now >= entry.valid_until:
                self.misses += 1
                return None
            self._entries.move_to_end((user_id, key))
            self.hits += 1
            return entry.body

    def put(self, user_id: int, key: Hashable, revision: int, valid_until: dt.datetime, body: bytes) -> None:
        """Store `body`, built from the person's data at `revision`. An entry at a newer revision is kept: a slow
        request that read older data must not replace what a later one stored."""
        with self._lock:
            current = self._entries.get((user_id, key))
            if current is not None and current.revision > revision:
                return
            self._entries[(user_id, key)] = Entry(revision, valid_until, body)
            self._entries.move_to_end((user_id, key))
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, user_id: int) -> None:
        """Drop everything of one person's (their account is gone)."""
        with self._lock:
            for key in [k for k in self._entries if k[0] == user_id]:
                del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)


class Memo:
    """A bounded, least-recently-used map from a key made of everything a pure computation reads to its result.

    For the dose rules: after a session is recorded, the person's revision changes and today's plan is built again,
    but most of the catalogue's exercises have the same attempts as before, so their decisions are looked up rather
    than worked out. Only what the key holds may decide the result (the catalogue and ladders are the runtime's own,
    fixed for its life), and results must be immutable: callers share them. Thread-safe; two threads that miss
    together both compute, which is harmless for a pure function."""

    def __init__(self, size: int = 16384) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return cast(T, self._entries[key])
            self.misses += 1
        value = build()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)
