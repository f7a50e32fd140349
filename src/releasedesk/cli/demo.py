"""A realistic demo dataset, made through the same core services the APIs use."""

from __future__ import annotations

import datetime as dt
import random
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.cli.demo_catalog import DEMO_CATALOG
from releasedesk.core.actors import Actor
from releasedesk.core.approvals import sending
from releasedesk.core.approvals import service as approvals
from releasedesk.core.approvals.rules import Rule, RuleType
from releasedesk.core.approvals.schemas import ApproverInput, LevelInput, NotificationInput
from releasedesk.core.catalog import service as catalog
from releasedesk.core.catalog.file import read_catalog
from releasedesk.core.errors import NotFound
from releasedesk.core.portals import reference_data as ref
from releasedesk.core.portals import service as portals
from releasedesk.core.refs import Ref
from releasedesk.core.releases import service as releases
from releasedesk.core.releases.schemas import ReleaseChanges, RoleHolderRef
from releasedesk.core.users import service as users
from releasedesk.core.workflow.views import Stage

DEMO_USERS = (
    # name, role, email, department
    ("Heather Graham", "technician", "heather.graham@example.com", "IT Services"),
    ("John Roberts", "technician", "john.roberts@example.com", "IT Services"),
    ("Maria Lopez", "admin", "maria.lopez@example.com", "IT Services"),
    ("Shawn Adams", "requester", "shawn.adams@example.com", "Finance"),
    ("Jane Doe", "requester", "jane.doe@example.com", "Sales"),
)
SYSTEMS = (
    "MSSQL Server",
    "Exchange",
    "SAP ERP",
    "Payroll",
    "Customer portal",
    "VPN gateway",
    "Intranet",
    "Billing service",
    "CRM",
    "Data warehouse",
    "Mobile app",
    "Oracle DB",
)
CHANGES = (
    "service pack upgrade",
    "quarterly patch",
    "security hotfix",
    "major version upgrade",
    "configuration change",
    "certificate renewal",
    "performance tuning",
    "migration to cloud",
)
PRIORITIES = [p for p, _ in ref.PRIORITIES]
RELEASE_TYPES = [name for name, _, _ in ref.RELEASE_TYPES]
RELEASE_COUNT = 36


async def load_demo(session: AsyncSession, portal_name: str) -> str:
    """Add the demo users and releases to the portal unless it already has them."""
    portal = await portals.get_portal(session, portal_name)
    await catalog.load_catalog(session, portal.id, read_catalog(DEMO_CATALOG))  # idempotent
    try:
        await users.find_user(session, portal.id, DEMO_USERS[0][0])
        return f"demo data already present in portal '{portal_name}'"
    except NotFound:
        pass
    people = {}
    for name, role, email, department in DEMO_USERS:
        people[name] = await users.add_user(
            session,
            portal_id=portal.id,
            name=name,
            role=role,
            email_id=email,
            department=department,
            phone="555-0100",
            mobile="555-0199",
        )
    admin = users.actor_for(people["Maria Lopez"], portal)
    stages = list(await releases.workflow.list_stages(session, portal.id))
    rng = random.Random(7)  # noqa: S311 (repeatable demo data, not secrets)
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    for number in range(RELEASE_COUNT):
        system, change = rng.choice(SYSTEMS), rng.choice(CHANGES)
        start = now + dt.timedelta(days=rng.randint(-60, 60), hours=rng.randint(0, 23))
        requester = rng.choice(["Shawn Adams", "Jane Doe", "Guest"])
        engineer = rng.choice(["Heather Graham", "John Roberts"])
        release = await releases.add_release(
            session,
            admin,
            ReleaseChanges.of(
                title=f"{system} {change}",
                description=f"<p>{system}: {change}. Planned by the release board.</p>",
                priority=Ref(name=rng.choice(PRIORITIES)),
                release_type=Ref(name=rng.choice(RELEASE_TYPES)),
                impact=Ref(name=rng.choice(ref.IMPACTS[:3])),
                urgency=Ref(name=rng.choice(ref.URGENCIES)),
                risk=Ref(name=rng.choice(ref.RISKS)),
                category=Ref(name="Software"),
                group=Ref(name=rng.choice(ref.SUPPORT_GROUPS)),
                services=(Ref(name=rng.choice(ref.SERVICES)),),
                emergency=number % 11 == 0,
                scheduled_start_time=start,
                scheduled_end_time=start + dt.timedelta(hours=rng.randint(1, 48)),
                roles=(
                    RoleHolderRef(role=Ref(name="Release Requester"), user=Ref(name=requester)),
                    RoleHolderRef(role=Ref(name="Release Engineer"), user=Ref(name=engineer)),
                ),
                roll_out_plan=f"<ol><li>Back up {system}</li><li>Apply the {change}</li></ol>",
            ),
        )
        stage = stages[number % len(stages)]
        if stage.stage_index > 1:
            await releases.update_release(
                session,
                admin,
                release.id,
                ReleaseChanges.of(
                    stage=Ref(id=stage.id), comment=f"Moved to {stage.name} by the release board"
                ),
            )
    await _awaiting_approval(session, admin, stages[0])
    return (
        f"demo data loaded into portal '{portal_name}': {len(DEMO_USERS)} users, "
        f"{RELEASE_COUNT + 1} releases (one awaiting approval by Heather Graham and John "
        "Roberts), the sample deployment catalog"
    )


# Who a newcomer signs in as to try every part of the web UI.
SIGN_IN_ACCOUNTS = ("administrator", "Heather Graham", "Shawn Adams")


async def demo_sign_ins(session: AsyncSession, portal_name: str) -> list[tuple[str, str, str]]:
    """Fresh random passwords for the demo accounts (audited like any password change):
    (name, role, password) each, to print once."""
    portal = await portals.get_portal(session, portal_name)
    accounts = []
    for name in SIGN_IN_ACCOUNTS:
        password = secrets.token_urlsafe(9)
        user = await users.set_password(session, portal.id, name, password)
        accounts.append((user.name, user.role, password))
    return accounts


async def _awaiting_approval(session: AsyncSession, admin: Actor, stage: Stage) -> None:
    """One release whose approval is sent to Heather Graham and John Roberts (everyone must
    approve), so "My approvals" has something waiting from the first sign-in."""
    start = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    release = await releases.add_release(
        session,
        admin,
        ReleaseChanges.of(
            title="Payroll year-end tax tables",
            description="<p>New tax tables for the year-end payroll run.</p>",
            priority=Ref(name="High"),
            release_type=Ref(name=RELEASE_TYPES[0]),
            services=(Ref(name=ref.SERVICES[0]),),
            scheduled_start_time=start + dt.timedelta(days=3),
            scheduled_end_time=start + dt.timedelta(days=3, hours=4),
            roles=(RoleHolderRef(role=Ref(name="Release Requester"), user=Ref(name="Jane Doe")),),
        ),
    )
    level = await approvals.add_level(
        session,
        admin,
        release.id,
        LevelInput(
            name="Change advisory board",
            stage=Ref(id=stage.id),
            rule=Rule(RuleType.EVERYONE),
            approvers=(
                ApproverInput(user=Ref(name="Heather Graham")),
                ApproverInput(user=Ref(name="John Roberts")),
            ),
        ),
    )
    await sending.send_notifications(
        session, admin, release.id, level.id, [a.id for a in level.approvals], NotificationInput()
    )
