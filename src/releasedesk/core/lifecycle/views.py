"""Lifecycle models and their phase models as the core hands them to dialects."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PhaseModel:
    id: int
    uuid: uuid.UUID
    name: str
    description: str | None
    index_order: int
    version: int
    created_time: dt.datetime


@dataclass(frozen=True, slots=True)
class LifecycleModel:
    id: int
    uuid: uuid.UUID
    name: str
    description: str | None
    version: int
    created_time: dt.datetime
    phases: tuple[PhaseModel, ...]


@dataclass(frozen=True, slots=True)
class PhaseModelIn:
    """A phase of a new lifecycle model; its place is its position in the list."""

    name: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class NewLifecycleModel:
    name: str
    description: str | None
    phases: tuple[PhaseModelIn, ...]
