"""The base of every record the domain reads from the shipped files or from a person."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """Immutable, so a record can be cached and shared; a misspelt field is an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)
