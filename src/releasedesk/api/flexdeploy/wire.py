"""FlexDeploy's release input, as its REST API documents it. Unknown attributes are refused;
attributes a GET answers but a write cannot set (releaseId, startDate, endDate, a project's
projectName, applicationPath and projectGroups) are accepted and not used, so a client may
send back what it read."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from releasedesk.core.limits import MAX_ITEMS_PER_REQUEST, MAX_LONG_TEXT

CatalogId = Annotated[int, Field(gt=0, le=2**63 - 1, strict=True)]
Text = Annotated[StrictStr, Field(max_length=2000)]
MAX_PROPERTY_VALUE = 4000
MAX_PROPERTIES = 500  # far more than any pipeline defines
MAX_PROJECTS = 1000


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProjectIn(Wire):
    priority: Annotated[int, Field(ge=0, le=2**31 - 1, strict=True)] | None = None
    projectId: CatalogId | None = None
    projectStreamId: CatalogId | None = None
    packageName: Annotated[StrictStr, Field(max_length=500)] | None = None
    requestAllFiles: StrictBool | None = None
    buildEnvironmentId: CatalogId | None = None
    projectGroups: Text | None = None
    projectName: Text | None = None
    applicationPath: Text | None = None


class PropertyIn(Wire):
    propertyName: Annotated[StrictStr, Field(min_length=1, max_length=250)]
    # a property value is text; numbers and booleans are taken as their text, as the spec's
    # POST sample sends 3 and gets "3" back
    propertyValue: (
        Annotated[StrictStr, Field(max_length=MAX_PROPERTY_VALUE)] | StrictBool | int | float | None
    ) = None


class DefaultConfigIn(Wire):
    requireChangeTicketForDeployment: StrictBool | None = None


class EnvironmentConfigIn(Wire):
    environmentId: CatalogId
    requireChangeTicketForDeployment: StrictBool


class CmsIn(Wire):
    cmsInstanceId: CatalogId
    overrideSettings: StrictBool | None = None
    overriddenDefaultConfigurations: DefaultConfigIn | None = None
    overriddenEnvironmentConfigurations: (
        Annotated[list[EnvironmentConfigIn], Field(max_length=MAX_ITEMS_PER_REQUEST)] | None
    ) = None


class ReleaseIn(Wire):
    releaseId: Annotated[int, Field(strict=True)] | None = None
    releaseName: Annotated[StrictStr, Field(max_length=250)] | None = None
    releaseStatus: Annotated[StrictStr, Field(max_length=40)] | None = None
    description: Annotated[StrictStr, Field(max_length=MAX_LONG_TEXT)] | None = None
    pipelineId: CatalogId | None = None
    pipelineName: Annotated[StrictStr, Field(max_length=250)] | None = None
    startDate: Text | None = None
    endDate: Text | None = None
    scheduleBuildExpression: Annotated[StrictStr, Field(max_length=1000)] | None = None
    projects: Annotated[list[ProjectIn], Field(max_length=MAX_PROJECTS)] | None = None
    cmsDetails: CmsIn | None = None
    properties: Annotated[list[PropertyIn], Field(max_length=MAX_PROPERTIES)] | None = None


class ExecutionsIn(Wire):
    runningExecutions: Annotated[int, Field(ge=0, le=1_000_000, strict=True)]
