"""A guided session, saved as it goes: opened before the first exercise, each exercise stored when it finishes,
closed with the pain after and how each exercise felt (docs/timing.md)."""

from __future__ import annotations

from backcoach.app import preferences, prescribing
from backcoach.app.history import check_items, no_such_session
from backcoach.app.runtime import Runtime
from backcoach.domain.history import SessionItem, SessionRecord, StoredSession


def begin_session(runtime: Runtime, user_id: int, pain_before: int) -> int:
    """Open today's session record (the person's today) before the first exercise, so that nothing done is ever
    lost."""
    with runtime.unit(user_id) as repo:
        day = runtime.today(preferences.zone_in(runtime, repo))
        record = SessionRecord(date=day, pain_before=pain_before, partial=True)
        session_id = repo.add_session(record, runtime.now()).id
        prescribing.mark_following(repo, session_id, day)
        return session_id


def save_exercise(runtime: Runtime, user_id: int, session_id: int, item: SessionItem) -> None:
    """Store one finished exercise right away, in its own transaction."""
    check_items(runtime, [item])
    with runtime.unit(user_id) as repo:
        if repo.add_item(session_id, item) is None:
            raise no_such_session(session_id)


def finish_session(
    runtime: Runtime,
    user_id: int,
    session_id: int,
    *,
    pain_after: int | None,
    difficulties: dict[int, str],
    partial: bool,
) -> StoredSession:
    """Close a guided session: pain after, how each exercise felt, and whether it was done in full."""
    with runtime.unit(user_id) as repo:
        stored = repo.get_session(session_id)
        if stored is None:
            raise no_such_session(session_id)
        items = [
            item.model_copy(update={"difficulty": difficulties.get(i, item.difficulty)})
            for i, item in enumerate(stored.record.items)
        ]
        record = SessionRecord.model_validate(
            {
                **stored.record.model_dump(exclude_unset=True),
                "items": [i.model_dump(exclude_unset=True) for i in items],
                "pain_after": pain_after,
                "partial": partial or pain_after is None,
            }
        )
        updated = repo.replace_session(session_id, record)
        if updated is None:
            raise no_such_session(session_id)
        return updated
