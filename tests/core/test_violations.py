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
from sqlalchemy import insert

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
from releasedesk.db.models import ReleaseAssociation
from tests.helpers import Desk


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


def test_the_driver_and_the_orm_give_one_error_for_one_violation(desk: Desk) -> None:
    """The same duplicate through SQLAlchemy (the engine's listener) and on the driver itself
    (what db/driver.py runs, past the listener, then through `domain_error`)."""
    rid = int(desk.create_release()["id"])
    link = insert(ReleaseAssociation).values(release_id=rid, kind="change", ref_id="9")
    again = (
        "INSERT INTO release_associations (release_id, kind, ref_id, created_time) "
        "SELECT release_id, kind, ref_id, created_time FROM release_associations "
        f"WHERE release_id = {rid}"
    )

    async def through_sqlalchemy() -> BaseException | None:
        try:
            async with desk.database.unit_of_work() as session:
                await session.execute(link)
        except Exception as error:  # returned for the test to inspect
            return error
        return None

    async def on_the_driver() -> BaseException:
        async with desk.database.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            try:
                await raw.driver_connection.execute(again)  # asyncpg's or aiosqlite's own
            except Exception as error:  # the driver's own error, untranslated
                return error
            raise AssertionError("the duplicate was stored")

    assert desk.client.portal.call(through_sqlalchemy) is None
    by_orm = desk.client.portal.call(through_sqlalchemy)
    raw_error = desk.client.portal.call(on_the_driver)
    by_driver = domain_error(raw_error)
    assert not isinstance(raw_error, NotUnique)
    assert isinstance(by_orm, NotUnique) and isinstance(by_driver, NotUnique), (by_orm, raw_error)
    assert (by_driver.message, by_driver.field) == (by_orm.message, by_orm.field)
    assert by_orm.field == "id" and "already associated" in by_orm.message
