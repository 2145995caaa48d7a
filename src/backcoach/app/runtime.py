"""The runtime: what every use case runs with, wired in one factory.

Settings, the database engine, the clock and the content (catalogue and ladders) are built once by
`create_runtime`; nothing is read or connected at import time. Tests inject the clock and a cheap password hasher.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from backcoach import content
from backcoach.app.cache import Memo, PersonalCache
from backcoach.domain.catalogue import Catalogue
from backcoach.domain.ladders import Ladder
from backcoach.settings import Settings, load_settings
from backcoach.storage.engine import current_revision, database_url, ensure_current, make_engine, upgrade
from backcoach.storage.repository import AccountRepository, CareRepository, FollowRepository, Lookups, UserRepository

if TYPE_CHECKING:
    from argon2 import PasswordHasher

Clock = Callable[[], dt.datetime]


WROTE = "backcoach.wrote"
WRITE_LOCK = "backcoach.write_lock"
HOLDS_WRITE_LOCK = "backcoach.holds_write_lock"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@functools.cache
def local_zone_name() -> str | None:
    """The IANA name of the server's local time zone: the TZ variable's, else the zone /etc/localtime links to,
    else /etc/timezone's. None when none of them names a zone this machine knows. Read once per process: the
    C library also reads the local zone once."""
    from backcoach.domain.preferences import valid_zone

    candidates = [os.environ.get("TZ", "").removeprefix(":")]
    try:
        target = os.path.realpath("/etc/localtime")
        candidates.append(target.partition("/zoneinfo/")[2])
    except OSError:
        pass
    try:
        with open("/etc/timezone", encoding="utf-8") as file:
            candidates.append(file.read().strip())
    except OSError:
        pass
    if candidates[0] and not valid_zone(candidates[0]):
        # A TZ that is no IANA name (such as "EST5EDT,M3.2.0,M11.1.0") rules the local time all the same: the
        # files name a zone the process is not in.
        return None
    return next((c for c in candidates if c and valid_zone(c)), None)


class WriterLock:
    """Turns for the writers of one SQLite database, in this process and in every other (see `track_writes`).

    A thread lock for this process's threads, then an exclusive `flock` on a file beside the database for the
    other processes (server workers, the CLI). Both hand over the moment they are released, where SQLite's own
    busy handler polls with sleeps of up to 100 ms. The file is opened lazily in the process that locks it: a file
    opened before a fork would be one lock shared by parent and child."""

    def __init__(self, path: str | None) -> None:
        self._path = path
        self._thread = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        self._pid = 0

    def acquire(self, blocking: bool = True) -> bool:
        """Take the lock, waiting for any writer in this process or another that holds it; or, not `blocking`,
        False at once (holding nothing) when one does, which is how the event loop writes only when it need not
        wait (web/offload.py). True when taken."""
        if not self._thread.acquire(blocking):
            return False
        self._depth += 1
        if self._depth == 1 and self._path is not None:
            import fcntl

            try:
                fcntl.flock(self._file(), fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BaseException as exc:
                self._depth -= 1
                self._thread.release()
                if isinstance(exc, BlockingIOError) and not blocking:
                    return False
                raise
        return True

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread.release()

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self._path or "", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd


def writer_lock_path(engine: Engine) -> str | None:
    """The lock file of a SQLite database on disk (None for one in memory, or where `flock` does not exist)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:" or os.name != "posix":
        return None
    return database + "-writers"


def _writing(db: Session) -> None:
    """About to write: with SQLite, wait for this process's other writers first (see `track_writes`)."""
    lock = db.info.get(WRITE_LOCK)
    if lock is not None and not db.info.get(HOLDS_WRITE_LOCK):
        lock.acquire()
        db.info[HOLDS_WRITE_LOCK] = True


def _flushing(db: Session, _context: object, _instances: object) -> None:
    _writing(db)


def _flushed(db: Session, _context: object) -> None:
    db.info[WROTE] = True


def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _writing(state.session)
        state.session.info[WROTE] = True


def _ended(db: Session) -> None:
    if db.info.pop(HOLDS_WRITE_LOCK, False):
        db.info[WRITE_LOCK].release()


def track_writes(
    transactions: sessionmaker[Session], sqlite: bool, lock_path: str | None = None
) -> sessionmaker[Session]:
    """Note on each database session whether it wrote anything: a flush of changed objects, or an INSERT, UPDATE
    or DELETE statement.

    With SQLite, writers also take turns on a `WriterLock` before they write, until their transaction ends. SQLite
    lets one writer in at a time and makes the others poll with growing sleeps (1, 2, 5, ... 100 ms), so forty
    threads of each server process polling for the database lock made writes slow and their latency long; a lock
    that wakes the next writer as soon as it is released hands over at once."""
    if sqlite:
        transactions.configure(info={WRITE_LOCK: WriterLock(lock_path)})
        event.listen(transactions, "before_flush", _flushing)
    event.listen(transactions, "after_flush", _flushed)
    event.listen(transactions, "do_orm_execute", _executed)
    event.listen(transactions, "after_commit", _ended)
    event.listen(transactions, "after_rollback", _ended)
    return transactions


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    transactions: sessionmaker[Session]
    clock: Clock
    catalogue: Catalogue
    ladders: Mapping[str, Ladder]
    hasher: PasswordHasher
    cache: PersonalCache = field(default_factory=PersonalCache)
    memo: Memo = field(default_factory=Memo)
    """Dose decisions and plans by exactly what they read (docs/architecture.md): after a change, what it left as it
    was is looked up, not worked out again."""

    @cached_property
    def names(self) -> dict[str, str]:
        """Every exercise's and every rung's display name by id: what history, charts and handouts show."""
        names = {e.id: e.name for e in self.catalogue}
        names.update({r.id: r.name for ladder in self.ladders.values() for r in ladder.rungs})
        return names

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self, zone: dt.tzinfo | None = None) -> dt.date:
        """The calendar day now in `zone`, or in the server's local time zone without one. A person's own day is
        `preferences.today` (their chosen zone): sessions, plans and checks are dated by it."""
        return self.clock().astimezone(zone).date()

    def day_ends(self, zone: dt.tzinfo | None = None) -> dt.datetime:
        """The next midnight in `zone` (or the server's local zone), aware, in UTC: when anything dated "today" may
        change with nothing written. A midnight that a daylight-saving change skips reads as the moment the day
        begins (fold 0 takes the offset before the change)."""
        midnight = dt.datetime.combine(self.today(zone) + dt.timedelta(days=1), dt.time())
        local = midnight.replace(tzinfo=zone) if zone is not None else midnight.astimezone()
        return local.astimezone(dt.UTC)

    def zone(self, name: str | None) -> dt.tzinfo | None:
        """The time zone called `name`, or the server's local one by its IANA name when it has one; None when it
        has none (then times are the server's local time, without a name)."""
        if name:
            return ZoneInfo(name)
        local = local_zone_name()
        return ZoneInfo(local) if local else None

    def revision(self, user_id: int) -> int:
        """The person's revision now. Read it before what is built from their data, so that what is cached under
        it can only be newer than it, never older."""
        with self.lookups() as lookups:
            return lookups.revision(user_id)

    @contextmanager
    def unit(self, user_id: int) -> Iterator[UserRepository]:
        """One transaction for one person: everything inside is stored together, or nothing is. If anything was
        written, the person's revision is bumped in the same transaction: done here, where no write can forget
        it, because every cache of their plan and pages (in any process) trusts the revision alone."""
        with self.transactions.begin() as db:
            repo = UserRepository(db, user_id)
            yield repo
            db.flush()
            if db.info.pop(WROTE, False):
                repo.touch()

    @contextmanager
    def care(self, clinician_id: int, patient_id: int, action: str, what: str) -> Iterator[UserRepository]:
        """One transaction on a patient's record for a clinician, allowed only while the patient's care link to
        them is active; anyone else's patient, or a patient who ended the link, is `NotFound` (a 404 that tells the
        clinician nothing about whether the person exists). Each use is logged for the patient (`action` "read" or
        "change", and `what` in words) in the same transaction: what is refused is not logged, what is done always
        is. Writes bump the patient's revision as `unit` does."""
        from backcoach.domain.errors import NotFound

        if action not in {"read", "change"}:
            raise ValueError(f"action must be read or change, not {action!r}")
        with self.transactions.begin() as db:
            care = CareRepository(db, clinician_id)
            name = care.active_link(patient_id)
            if name is None:
                raise NotFound(f"patient {patient_id} does not exist")
            repo = UserRepository(db, patient_id)
            yield repo
            db.flush()
            if db.info.pop(WROTE, False):
                repo.touch()
            _writing(db)
            care.log(patient_id, name, action, what, self.now())

    @contextmanager
    def care_all(self, clinician_id: int, what: str) -> Iterator[FollowRepository]:
        """`care` for reading all of a clinician's patients at once (the dashboard): one transaction, whose patients
        are exactly those whose link to the clinician is active in it, and one "read" line in each one's access
        log, written together. A clinician with 200 patients would otherwise take 200 transactions."""
        with self.transactions.begin() as db:
            follow = FollowRepository(db, clinician_id)
            yield follow
            if follow.linked():
                _writing(db)
                follow.log_reads(what, self.now())

    @property
    def writer_lock(self) -> WriterLock | None:
        """The writers' turns on a SQLite database (`track_writes`); None with PostgreSQL, where writers do not
        take turns."""
        lock = self.transactions.kw.get("info", {}).get(WRITE_LOCK)
        return lock if isinstance(lock, WriterLock) else None

    @contextmanager
    def lookups(self) -> Iterator[Lookups]:
        """The reads every request makes, outside any unit of work (each is one row, read as it is now)."""
        with self.engine.connect() as conn:
            yield Lookups(conn)

    @contextmanager
    def accounts(self) -> Iterator[AccountRepository]:
        """One transaction over what belongs to no one person yet: sign-up, sign-in, tokens."""
        with self.transactions.begin() as db:
            yield AccountRepository(db)

    def local_user(self) -> int:
        with self.accounts() as repo:
            return repo.local_user_id(self.now())

    def dispose(self) -> None:
        self.engine.dispose()


def create_runtime(
    settings: Settings | None = None,
    clock: Clock = utc_now,
    migrate: bool = True,
    hasher: PasswordHasher | None = None,
) -> Runtime:
    from argon2 import PasswordHasher

    settings = settings or load_settings()
    engine = make_engine(database_url(settings))
    if migrate:
        ensure_current(engine)
    return Runtime(
        settings=settings,
        engine=engine,
        transactions=track_writes(
            sessionmaker(engine, expire_on_commit=False), engine.dialect.name == "sqlite", writer_lock_path(engine)
        ),
        clock=clock,
        catalogue=content.catalogue(),
        ladders=content.ladders(),
        hasher=hasher or PasswordHasher(),
    )


def upgrade_database(settings: Settings | None = None) -> tuple[str | None, str | None]:
    """Apply every pending migration; the revision before (None for an empty database) and after."""
    engine = make_engine(database_url(settings or load_settings()))
    try:
        before = current_revision(engine)
        upgrade(engine)
        return before, current_revision(engine)
    finally:
        engine.dispose()
