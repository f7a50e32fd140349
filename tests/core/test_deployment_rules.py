"""The deployment rules as pure functions over catalog views, and the status mapping."""

from __future__ import annotations

import pytest

from releasedesk.core.catalog.views import Pipeline, Project, PropertyDefinition, Stream
from releasedesk.core.deployment import rules
from releasedesk.core.deployment.schemas import ProjectRequest, PropertyRequest
from releasedesk.core.errors import Invalid, Mandatory
from releasedesk.core.execution import gate
from releasedesk.core.execution.status import DeploymentStatus, parse_status, status_of

FULL = Project(1, "Full", "A/B", False, (Stream(10, "trunk"),), (100,))
PARTIAL = Project(2, "Partial", "A/C", True, (Stream(20, "trunk"),), (100, 200))
CATALOG = {1: FULL, 2: PARTIAL}
PIPELINE = Pipeline(7, "P", (PropertyDefinition("NEED", True), PropertyDefinition("MAY", False)))


def test_a_new_project_is_planned_with_its_only_build_environment() -> None:
    [planned] = rules.plan_projects([ProjectRequest(1, 10)], CATALOG)
    assert planned == rules.PlannedProject(1, 10, None, False, 100, 1)
    [partial] = rules.plan_projects([ProjectRequest(2, 20, package_name="pkg")], CATALOG)
    assert partial.build_environment_id is None and partial.package_name == "pkg"


@pytest.mark.parametrize(
    ("request_", "error", "field"),
    [
        (ProjectRequest(None, 10), Mandatory, "projects[0].projectId"),
        (ProjectRequest(9, 10), Invalid, "projects[0].projectId"),
        (ProjectRequest(1, None), Mandatory, "projects[0].projectStreamId"),
        (ProjectRequest(1, 20), Invalid, "projects[0].projectStreamId"),
        (
            ProjectRequest(1, 10, build_environment_id=200),
            Invalid,
            "projects[0].buildEnvironmentId",
        ),
        (ProjectRequest(1, 10, package_name="p"), Invalid, "projects[0].packageName"),
        (ProjectRequest(1, 10, request_all_files=True), Invalid, "projects[0].requestAllFiles"),
        (
            ProjectRequest(2, 20, package_name="p", request_all_files=True),
            Invalid,
            "projects[0].packageName",
        ),
        (ProjectRequest(2, 20), Mandatory, "projects[0].packageName"),
        (ProjectRequest(2, 20, package_name=" "), Mandatory, "projects[0].packageName"),
    ],
)
def test_each_project_rule(request_: ProjectRequest, error: type[Exception], field: str) -> None:
    with pytest.raises(error) as refused:
        rules.plan_projects([request_], CATALOG)
    assert refused.value.field == field  # type: ignore[attr-defined]


def test_merging_updates_the_same_project_and_package_and_appends_the_rest() -> None:
    existing = rules.plan_projects(
        [ProjectRequest(2, 20, package_name="a"), ProjectRequest(1, 10)], CATALOG
    )
    merged = rules.plan_projects(
        [ProjectRequest(2, 20, package_name="b"), ProjectRequest(1, 10, build_environment_id=100)],
        CATALOG,
        existing,
    )
    assert [(p.project_id, p.package_name, p.priority) for p in merged] == [
        (2, "a", 1),
        (1, None, 2),
        (2, "b", 3),
    ]


def test_properties_need_a_pipeline_and_required_ones_need_values() -> None:
    with pytest.raises(Invalid, match="pipelineId or pipelineName must be provided"):
        rules.check_properties(None, {"NEED": "x"})
    with pytest.raises(Invalid, match="'OTHER' is not a property of pipeline 'P'"):
        rules.check_properties(PIPELINE, {"OTHER": "x"})
    values = rules.property_values([PropertyRequest("MAY", "1")])
    planned = rules.plan_projects([ProjectRequest(1, 10)], CATALOG)
    with pytest.raises(Invalid, match="'Full' \\(1\\) cannot be added: required property 'NEED'"):
        rules.check_required_properties(PIPELINE, values, planned, {1: "Full"})
    rules.check_required_properties(PIPELINE, values, (), {})  # no project yet: may wait
    rules.check_required_properties(PIPELINE, {"NEED": "v"}, planned, {1: "Full"})


def test_start_and_end_rules() -> None:
    not_started, started = DeploymentStatus.NOT_STARTED, DeploymentStatus.STARTED
    one = rules.plan_projects([ProjectRequest(1, 10)], CATALOG)
    with pytest.raises(Invalid, match="without at least one project"):
        rules.check_start(not_started, started, (), ())
    rules.check_start(not_started, not_started, (), ())
    rules.check_start(not_started, started, (), one)
    # already under way without projects (moved through SDP): may still be changed
    rules.check_start(started, started, (), ())
    rules.check_start(DeploymentStatus.SUSPENDED, DeploymentStatus.SUSPENDED, (), ())
    with pytest.raises(Invalid, match="must keep at least one project"):
        rules.check_start(started, started, one, ())
    rules.check_start(started, DeploymentStatus.COMPLETED, one, ())
    with pytest.raises(Invalid, match="3 pipeline executions are running"):
        gate.check_end(3)
    gate.check_end(0)


@pytest.mark.parametrize(
    ("stage", "status_type", "expected"),
    [
        ("submission", "In Progress", DeploymentStatus.NOT_STARTED),
        ("planning", "On Hold", DeploymentStatus.NOT_STARTED),
        ("implementation", "In Progress", DeploymentStatus.STARTED),
        ("UAT", "Success", DeploymentStatus.STARTED),
        ("deployment", "On Hold", DeploymentStatus.SUSPENDED),
        ("review", "Failed", DeploymentStatus.STARTED),
        ("close", "Success", DeploymentStatus.COMPLETED),
        ("close", "Failed", DeploymentStatus.COMPLETED),
    ],
)
def test_status_mapping(stage: str, status_type: str, expected: DeploymentStatus) -> None:
    assert status_of(stage, status_type) is expected


def test_status_spellings() -> None:
    assert parse_status("Not Started") is DeploymentStatus.NOT_STARTED
    assert parse_status("notstarted") is DeploymentStatus.NOT_STARTED
    assert parse_status("  completed ") is DeploymentStatus.COMPLETED
    assert parse_status("RUNNING") is None
