"""/api/v1/approval_policies (issue 23, item 1): the JSON exactly as the issue gives it,
saved by administrators, every bad field answered as problem details naming it, one policy
per name and per target, and the most specific policy resolved for a level with why."""

from __future__ import annotations

from typing import Any

import httpx

from releasedesk.core.approval_policies import service as policies
from tests.api.v1.test_freeze_windows import assert_problem, bearer, v1
from tests.helpers import Desk


def cab(**changes: Any) -> dict[str, Any]:
    return {
        "name": "CAB default",
        "applies_to": {},
        "reminder": {"first_after": "PT4H", "every": "P1D", "max": 3},
        "escalate_after": "P2D",
        "escalation_approvers": [
            {"name": "Heather Graham"},
            {"org_role": "release_requester.reporting_to"},
        ],
        "timeout": {"after": "P3D", "action": "reject", "warn_before": "PT4H"},
        "min_approvals": 2,
        "forbid_self_approval": True,
        "business_hours": {
            "timezone": "Europe/Berlin",
            "days": ["MO", "TU", "WE", "TH", "FR"],
            "start": "09:00",
            "end": "17:00",
            "holidays": ["2026-12-24", "2026-12-25"],
        },
        **changes,
    }


def create(desk: Desk, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    return desk.client.post(
        f"{v1(desk)}/approval_policies", json=body, headers=bearer(key or desk.admin.key)
    )


def test_a_policy_made_read_listed_patched_replaced_and_deleted(desk: Desk) -> None:
    made = create(desk, cab())
    assert made.status_code == 201, made.text
    policy = made.json()
    assert policy == {"id": policy["id"], **cab()}  # the JSON as given, plus its id
    pid = policy["id"]
    base = f"{v1(desk)}/approval_policies"
    reader = {"authtoken": desk.technician.key}
    assert desk.client.get(f"{base}/{pid}", headers=reader).json() == policy
    assert desk.client.get(base, headers=reader).json() == {"approval_policies": [policy]}

    patched = desk.client.patch(
        f"{base}/{pid}",
        json={"timeout": {"after": "PT8H", "action": "expire"}, "business_hours": None},
        headers=bearer(desk.admin.key),
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["timeout"] == {"after": "PT8H", "action": "expire", "warn_before": None}
    assert body["business_hours"] is None and body["reminder"] == policy["reminder"]

    replaced = desk.client.put(
        f"{base}/{pid}",
        json={"name": "Bare", "applies_to": {"stage": "Planning"}},
        headers=bearer(desk.admin.key),
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json() == {
        "id": pid,
        "name": "Bare",
        "applies_to": {"stage": "Planning"},
        "reminder": None,
        "escalate_after": None,
        "escalation_approvers": [],
        "timeout": None,
        "min_approvals": None,
        "forbid_self_approval": False,
        "business_hours": None,
    }
    gone = desk.client.delete(f"{base}/{pid}", headers=bearer(desk.admin.key))
    assert gone.status_code == 204
    assert_problem(desk.client.get(f"{base}/{pid}", headers=reader), 404, "id")
    assert_problem(desk.client.get(f"{base}/nope", headers=reader), 404, "id")


def test_only_administrators_save_policies(desk: Desk) -> None:
    assert_problem(create(desk, cab(), key=desk.technician.key), 403)
    made = create(desk, cab()).json()
    base = f"{v1(desk)}/approval_policies/{made['id']}"
    for key in (desk.technician.key, desk.requester.key):
        assert_problem(desk.client.delete(base, headers=bearer(key)), 403)
        assert_problem(desk.client.put(base, json=cab(), headers=bearer(key)), 403)
    assert desk.client.get(base).status_code == 401


def test_policies_stay_within_their_portal(desk: Desk, client: Any) -> None:
    from tests.helpers import make_desk

    other = make_desk(client)
    made = create(desk, cab()).json()
    foreign = f"{v1(other)}/approval_policies/{made['id']}"
    assert_problem(other.client.get(foreign, headers=bearer(other.admin.key)), 404, "id")
    assert_problem(other.client.delete(foreign, headers=bearer(other.admin.key)), 404, "id")
    # the same name and target are free in another portal
    assert create(other, cab()).status_code == 201


def test_one_policy_per_name_and_per_target(desk: Desk) -> None:
    assert create(desk, cab()).status_code == 201
    assert_problem(
        create(desk, cab(name="cab DEFAULT", applies_to={"stage": "Review"})), 409, "name"
    )
    assert_problem(create(desk, cab(name="Another default")), 409, "applies_to")
    assert create(desk, cab(name="Review", applies_to={"stage": "review"})).status_code == 201
    assert_problem(
        create(desk, cab(name="Review 2", applies_to={"stage": "Review"})), 409, "applies_to"
    )


def test_every_bad_field_is_named(desk: Desk) -> None:
    bad: list[tuple[dict[str, Any], str]] = [
        ({"name": None}, "name"),
        ({"name": 7}, "name"),
        ({"name": "  "}, "name"),
        ({"colour": "red"}, "colour"),
        ({"applies_to": {"stage": "Nowhere"}}, "applies_to.stage"),
        ({"applies_to": {"template": "Nothing"}}, "applies_to.template"),
        ({"applies_to": {"stage": "Review", "template": "x"}}, "applies_to"),
        ({"applies_to": {"team": "x"}}, "applies_to.team"),
        ({"applies_to": "portal"}, "applies_to"),
        ({"reminder": {"first_after": "4 hours"}}, "reminder.first_after"),
        ({"reminder": {"first_after": "PT0S"}}, "reminder.first_after"),
        ({"reminder": {"first_after": "PT0.5S"}}, "reminder.first_after"),
        ({"reminder": {"every": "P1M"}}, "reminder.every"),
        ({"reminder": {"first_after": "PT1H", "max": 0}}, "reminder.max"),
        ({"reminder": {"first_after": "PT1H", "max": 3}}, "reminder.every"),
        ({"reminder": {"first_after": "PT1H", "max": "3"}}, "reminder.max"),
        ({"reminder": {}}, "reminder.first_after"),
        ({"escalate_after": "P2D", "escalation_approvers": []}, "escalation_approvers"),
        ({"escalate_after": None}, "escalate_after"),
        ({"escalation_approvers": [{"name": "Nobody Here"}]}, "escalation_approvers[0].name"),
        ({"escalation_approvers": [{"org_role": "ceo"}]}, "escalation_approvers[0].org_role"),
        ({"escalation_approvers": [{}]}, "escalation_approvers[0]"),
        ({"escalation_approvers": ["Heather"]}, "escalation_approvers[0]"),
        (
            {"escalation_approvers": [{"name": "Heather Graham"}, {"name": "heather graham"}]},
            "escalation_approvers[1]",
        ),
        ({"timeout": {"action": "reject"}}, "timeout.after"),
        ({"timeout": {"after": "P3D", "action": "ignore"}}, "timeout.action"),
        ({"timeout": {"after": "PT4H", "warn_before": "PT4H"}}, "timeout.warn_before"),
        ({"min_approvals": 0}, "min_approvals"),
        ({"min_approvals": True}, "min_approvals"),
        ({"forbid_self_approval": "yes"}, "forbid_self_approval"),
        ({"business_hours": {"timezone": "Moon/Base"}}, "business_hours.timezone"),
        ({"business_hours": {"days": ["MON"]}}, "business_hours.days"),
        ({"business_hours": {"start": "18:00", "end": "08:00"}}, "business_hours.end"),
        ({"business_hours": {"holidays": ["tomorrow"]}}, "business_hours.holidays"),
        ({"business_hours": {"days": "MO"}}, "business_hours.days"),
        (
            {
                "timeout": {"after": "PT8000H"},
                "business_hours": {"days": ["MO"], "start": "09:00", "end": "10:00"},
            },
            "timeout.after",
        ),
    ]
    for changes, field in bad:
        answer = create(desk, cab(**changes))
        assert answer.status_code in (400, 409), (changes, answer.text)
        assert_problem(answer, answer.status_code, field)
    assert desk.client.get(
        f"{v1(desk)}/approval_policies", headers=bearer(desk.admin.key)
    ).json() == {"approval_policies": []}
    not_json = desk.client.post(
        f"{v1(desk)}/approval_policies",
        content="{",
        headers={**bearer(desk.admin.key), "content-type": "application/json"},
    )
    assert_problem(not_json, 400)


def test_every_part_is_optional_but_the_name(desk: Desk) -> None:
    made = create(desk, {"name": "Just a name"})
    assert made.status_code == 201, made.text
    assert made.json()["applies_to"] == {} and made.json()["timeout"] is None
    once = create(
        desk,
        {"name": "Once", "applies_to": {"stage": "Review"}, "reminder": {"first_after": "PT2S"}},
    )
    assert once.json()["reminder"] == {"first_after": "PT2S", "every": None, "max": 1}


def test_the_most_specific_policy_applies_and_says_why(desk: Desk, run: Any) -> None:
    release = desk.create_release(template={"name": "General Template"})

    async def resolve() -> tuple[str | None, str]:
        async with desk.database.unit_of_work(writes=False) as session:
            stage_id = int(release["stage"]["id"])
            template_id = int(release["template"]["id"])
            found = await policies.resolve(session, desk.portal_id, template_id, stage_id)
            return (None if found.policy is None else found.policy.name), found.why

    stage = release["stage"]["name"]
    name, why = run(resolve)
    assert name is None and "no default" in why
    assert create(desk, {"name": "Portal wide"}).status_code == 201
    name, why = run(resolve)
    assert name == "Portal wide" and "portal's default" in why
    assert create(desk, {"name": "Staged", "applies_to": {"stage": stage}}).status_code == 201
    name, why = run(resolve)
    assert name == "Staged" and f"stage '{stage}'" in why
    made = create(desk, {"name": "Templated", "applies_to": {"template": "General Template"}})
    assert made.status_code == 201, made.text
    name, why = run(resolve)
    assert name == "Templated" and "most specific" in why


def test_the_document_describes_the_policies(desk: Desk) -> None:
    document = desk.client.get("/api/v1/openapi.json").json()
    paths = document["paths"]
    assert {"get", "post"} <= set(paths["/approval_policies"])
    assert {"get", "put", "patch", "delete"} <= set(paths["/approval_policies/{policy_id}"])
