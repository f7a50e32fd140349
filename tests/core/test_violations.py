"""Constraint violations: storage describes them in its own exceptions and never imports the
domain; the core registers their translation to core errors, which every path then raises
(the ORM's and Core's statements through the engine's listener, a raw driver error through
`integrity.domain_error`; tests/api/sdp/test_concurrency.py runs them on a database)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from releasedesk.core.errors import Conflict, Invalid, NotUnique
from releasedesk.core.violations import core_error
from releasedesk.db.integrity import (
    Contention,
    Duplicate,
    MissingReference,
    domain_error,
    unique_rules,
    violation_of,
)


class _AsyncpgUniqueError(Exception):
    """What asyncpg raises itself (the driver's fast path): the constraint on the error."""

    sqlstate = "23505"

    def __init__(self, constraint_name: str) -> None:
        super().__init__(f'duplicate key value violates unique constraint "{constraint_name}"')
        self.constraint_name = constraint_name


def test_each_violation_becomes_its_core_error() -> None:
    duplicate = core_error(Duplicate("That name is already taken", "name"))
    assert type(duplicate) is NotUnique
    assert (duplicate.message, duplicate.field) == ("That name is already taken", "name")
    assert type(core_error(MissingReference("gone"))) is Invalid
    assert type(core_error(Contention("busy"))) is Conflict


def test_a_raw_driver_error_names_the_field_its_index_guards() -> None:
    name, rule = next(iter(unique_rules().by_name.items()))
    violation = violation_of(_AsyncpgUniqueError(name))
    assert isinstance(violation, Duplicate) and violation.field == rule.field
    error = domain_error(_AsyncpgUniqueError(name))
    assert isinstance(error, NotUnique) and error.field == rule.field


_STORAGE_ALONE = """
import json, sys
from releasedesk.db import integrity, session  # storage, and nothing of the domain

class Refused(Exception):
    sqlstate = "23503"

loaded = sorted(m for m in sys.modules if m.split(".")[:2] == ["releasedesk", "core"])
before = type(integrity.domain_error(Refused("foreign key"))).__name__
import releasedesk.core  # the domain registers its translation
after = type(integrity.domain_error(Refused("foreign key"))).__name__
print(json.dumps({"loaded": loaded, "before": before, "after": after}))
"""


def test_storage_loads_no_domain_and_raises_its_own_until_the_core_registers() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run(
        [sys.executable, "-c", _STORAGE_ALONE], capture_output=True, text=True, env=env, check=False
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen == {"loaded": [], "before": "MissingReference", "after": "Invalid"}


@pytest.mark.parametrize("sqlstate", ["23502", "23514"])  # NOT NULL, CHECK: bugs of ours
def test_a_violation_no_client_can_cause_stays_the_drivers(sqlstate: str) -> None:
    class Other(Exception):
        pass

    error = Other("a bug of ours")
    error.sqlstate = sqlstate  # type: ignore[attr-defined]
    assert violation_of(error) is None and domain_error(error) is None
