"""Settings, read once from the environment by a factory; nothing is read at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_HOME = "BACKCOACH_HOME"
ENV_DATABASE_URL = "BACKCOACH_DATABASE_URL"
ENV_POSE_DIR = "BACKCOACH_POSE_DIR"
POSE_RUNTIME = "tasks-vision-0.10.35+pose-0.5.1675469404"
"""The folder scripts/ensure-pose builds, named by the versions it pins (the two must agree; a test checks)."""


@dataclass(frozen=True)
class Settings:
    home: Path
    """Where backcoach keeps everything it writes."""
    database_url: str | None = None
    """A PostgreSQL URL; None means SQLite at `home/backcoach.db`."""
    pose_dir: Path | None = None
    """The camera coach's pose runtime (scripts/ensure-pose); None means the folder that script prints."""

    @property
    def pose_runtime(self) -> Path:
        if self.pose_dir is not None:
            return self.pose_dir
        return default_pose_dir(os.environ)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    home = env.get(ENV_HOME)
    if home:
        path = Path(home).expanduser()
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("backcoach", appauthor=False))
    pose = env.get(ENV_POSE_DIR)
    return Settings(
        home=path,
        database_url=env.get(ENV_DATABASE_URL) or None,
        pose_dir=Path(pose).expanduser() if pose else default_pose_dir(env),
    )


def default_pose_dir(env: Mapping[str, str]) -> Path:
    """Where scripts/ensure-pose caches the pose runtime: it follows XDG_CACHE_HOME exactly as that script does."""
    cache = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "backcoach" / "pose" / POSE_RUNTIME
