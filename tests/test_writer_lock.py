"""The writer lock SQLite writers take turns on: held across processes, re-entrant within a thread, and released
with the transaction, including one that fails."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from backcoach.app.runtime import Runtime, WriterLock, writer_lock_path

PROBE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    print("held")
else:
    print("free")
"""


def held_elsewhere(path: Path) -> bool:
    """Whether another process would have to wait for the lock."""
    out = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, check=True)
    return out.stdout.strip() == "held"


def test_other_processes_wait_until_the_outermost_release(tmp_path: Path) -> None:
    path = tmp_path / "db-writers"
    lock = WriterLock(str(path))
    lock.acquire()
    lock.acquire()  # a nested write in the same thread
    assert held_elsewhere(path)
    lock.release()
    assert held_elsewhere(path), "the inner release must not let another process in"
    lock.release()
    assert not held_elsewhere(path)


def test_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    lock = WriterLock(str(tmp_path / "db-writers"))
    inside = 0
    most = 0
    guard = threading.Lock()

    def write() -> None:
        nonlocal inside, most
        for _ in range(200):
            lock.acquire()
            with guard:
                inside += 1
                most = max(most, inside)
            with guard:
                inside -= 1
            lock.release()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 1


def test_a_unit_holds_the_lock_while_it_writes_and_lets_go_after(runtime: Runtime) -> None:
    path = writer_lock_path(runtime.engine)
    if path is None:
        pytest.skip("only SQLite databases on disk take the writer lock")
    user = runtime.local_user()
    with runtime.unit(user) as repo:
        assert not held_elsewhere(Path(path)), "reading alone takes no turn"
        repo.touch()
        assert held_elsewhere(Path(path))
    assert not held_elsewhere(Path(path))

    def failed_write() -> None:
        with runtime.unit(user) as repo:
            repo.touch()
            raise RuntimeError("a failed write")

    with pytest.raises(RuntimeError):
        failed_write()
    assert not held_elsewhere(Path(path))


def test_no_lock_file_for_a_database_in_memory() -> None:
    from sqlalchemy import create_engine

    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert writer_lock_path(engine) is None


HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("holding", flush=True)
sys.stdin.readline()
"""


def test_a_try_takes_a_free_lock_and_never_waits_for_a_held_one(tmp_path: Path) -> None:
    """`acquire(blocking=False)` (the event loop's write, web/offload.py): it takes the lock when no one holds it,
    as a blocking `acquire` would, and says False at once when another process or another thread of this one
    holds it."""
    path = tmp_path / "db-writers"
    lock = WriterLock(str(path))
    assert lock.acquire(blocking=False)
    assert held_elsewhere(path)
    assert lock.acquire(blocking=False), "re-entrant in the thread that holds it"
    lock.release()
    assert held_elsewhere(path)
    lock.release()
    assert not held_elsewhere(path)

    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == b"holding"
        assert not lock.acquire(blocking=False)
        # A failed try leaves nothing behind: another thread of this process gets the thread lock at once.
        results: list[bool] = []
        probe = threading.Thread(target=lambda: results.append(lock._thread.acquire(blocking=False)))
        probe.start()
        probe.join()
        assert results == [True]
    finally:
        holder.communicate(b"\n")

    # The probe thread ended holding the thread lock: this thread's try says False at once, not waiting for it.
    assert not lock.acquire(blocking=False)
    assert not held_elsewhere(path)
