"""Settings, read once from the environment by a factory; nothing is read at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_HOME = "BACKCOACH_HOME"
ENV_DATABASE_URL = "BACKCOACH_DATABASE_URL"


@dataclass(frozen=True)
class Settings:
    home: Path
    """Where backcoach keeps everything it writes."""
    database_url: str | None = None
    """A PostgreSQL URL; None means SQLite at `home/backcoach.db`."""


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    home = env.get(ENV_HOME)
    if home:
        path = Path(home).expanduser()
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("backcoach", appauthor=False))
    return Settings(home=path, database_url=env.get(ENV_DATABASE_URL) or None)
