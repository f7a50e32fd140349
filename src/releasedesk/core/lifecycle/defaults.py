"""What every portal starts with for planning releases: UrbanCode Release's Default Lifecycle
and its sample team, with the well-known UUIDs the product ships with (spec 002). Their
`dateCreated` is the epoch, as the product answers for its built-in elements."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

BUILT_IN_TIME = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class PhaseSpec:
    uuid: uuid.UUID
    name: str
    description: str


DEFAULT_LIFECYCLE_UUID = uuid.UUID("00000000-0000-0000-0000-000000000006")
DEFAULT_LIFECYCLE_NAME = "Default Lifecycle"
DEFAULT_LIFECYCLE_DESCRIPTION = "Default Lifecycle."
DEFAULT_PHASES: tuple[PhaseSpec, ...] = (
    PhaseSpec(uuid.UUID("00000000-0000-0000-0000-100000000007"), "DEV", "Development Environment"),
    PhaseSpec(
        uuid.UUID("00000000-0000-0000-0000-100000000008"), "CERT", "Certification Environment"
    ),
    PhaseSpec(uuid.UUID("00000000-0000-0000-0000-100000000009"), "QA", "Quality Assurance"),
    PhaseSpec(
        uuid.UUID("00000000-0000-0000-0000-100000000010"),
        "PT",
        "Performance Test / Pre-Production",
    ),
    PhaseSpec(uuid.UUID("00000000-0000-0000-0000-100000000011"), "PROD", "Production"),
)

SAMPLE_TEAM_UUID = uuid.UUID("00000000-0000-0000-0000-000000000206")
SAMPLE_TEAM_NAME = "Team for Sample Release"
