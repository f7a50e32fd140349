"""Teams as the core hands them to dialects."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Team:
    id: int
    uuid: uuid.UUID
    name: str
    description: str | None
    version: int
    created_time: dt.datetime
