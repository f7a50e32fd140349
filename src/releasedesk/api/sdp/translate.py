"""Pure translations between SDP's release JSON and the core's shapes."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

from pydantic import BaseModel

from releasedesk.api.sdp.fields import (
    ALWAYS_EMPTY,
    DISPLAY_NAMES,
    KEYS,
    READ_ONLY_KEYS,
    RELEASE_KEYS,
    ROLE_KEYS,
)
from releasedesk.api.sdp.wire import RoleIn
from releasedesk.api.wire_values import (
    boolean,
    datetime_to_epoch_ms,
    entity_id,
    epoch_ms_to_datetime,
)
from releasedesk.core.errors import Invalid, ReadOnly, WrongType
from releasedesk.core.refs import Ref
from releasedesk.core.releases import fields
from releasedesk.core.releases.fields import FieldKind
from releasedesk.core.releases.parts import Part
from releasedesk.core.releases.schemas import ReleaseChanges, RoleHolderRef
from releasedesk.core.releases.views import (
    DescriptiveField,
    Group,
    Named,
    Person,
    Release,
    RoleHolder,
    Template,
)
from releasedesk.core.workflow.names import RoleName
from releasedesk.core.workflow.views import Stage, Status

DISPLAY_FORMAT = "%b %d, %Y %I:%M %p"
PROFILE_PIC = {"content-url": "/images/default-profile-pic2.svg"}

# --- SDP -> core -------------------------------------------------------------------------


def reference(value: object, field: str) -> Ref:
    """A reference from `{"id": "4"}`, `{"name": "High"}`, `{"email_id": …}`, the object a
    GET returned, a name alone, or a bare id."""
    if isinstance(value, dict):
        if value.get("id") is not None:
            return Ref(id=entity_id(value["id"], field))
        name, email = value.get("name"), value.get("email_id")
        for key, text in (("name", name), ("email_id", email)):
            if text is not None and not isinstance(text, str):
                raise WrongType(f"'{field}.{key}' must be a string", field)
        if name is None and email is None:
            raise Invalid(f"'{field}' needs an id or a name", field)
        return Ref(name=name, email=email)
    if isinstance(value, bool):
        raise WrongType(f"'{field}' must be an object with an id or a name", field)
    if isinstance(value, int):
        return Ref(id=value)
    if isinstance(value, str):
        return Ref(name=value)
    raise WrongType(f"'{field}' must be an object with an id or a name", field)


def sdp_time_in(value: object, field: str) -> dt.datetime | None:
    """`{"value": "<epoch ms>", "display_value": …}` or the epoch milliseconds alone."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("value")
        if value in (None, ""):
            return None
    return epoch_ms_to_datetime(value, field)


def _descriptive(value: object, field: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    text = value.get("description") if isinstance(value, dict) else value
    if text is not None and not isinstance(text, str):
        raise WrongType(f"'{field}.description' must be a string", f"{field}.description")
    return text


def _role(role: RoleIn) -> RoleHolderRef:
    return RoleHolderRef(
        role=reference(role.role, "roles.role"), user=reference(role.user, "roles.user")
    )


def _value_to_core(field: str, value: Any) -> object:
    kind = fields.BY_NAME[field].kind if field in fields.BY_NAME else None
    if value is None or kind in (FieldKind.TEXT, FieldKind.HTML):
        return value
    if kind is FieldKind.LOOKUP:
        return reference(value, field)
    if kind is FieldKind.DATETIME:
        return sdp_time_in(value, field)
    if kind is FieldKind.DESCRIPTIVE:
        return _descriptive(value, field)
    if kind is FieldKind.SERVICES:
        return tuple(reference(v, field) for v in value)
    if kind is FieldKind.ROLES:
        return tuple(_role(r) for r in value)
    if kind is FieldKind.BOOL:
        return boolean(value, field)
    return value  # comment


def release_to_core(release: BaseModel) -> ReleaseChanges:
    """The fields the client gave (`release` is a `ReleaseIn`), as a core change; read-only
    keys are refused."""
    given = release.model_fields_set
    for field in sorted(READ_ONLY_KEYS & given):
        hint = " (set it through roles)" if field in ROLE_KEYS else ""
        raise ReadOnly(field, f"'{field}' is read-only{hint}")
    for field in ("assets", "configuration_items"):
        if getattr(release, field):
            raise Invalid(f"No {field.replace('_', ' ')} are registered in this portal", field)
    values = {
        field: _value_to_core(field, getattr(release, field))
        for field in given
        if field not in ("assets", "configuration_items")
    }
    return ReleaseChanges.of(**values)


# --- core -> SDP -------------------------------------------------------------------------


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def display_parts(value: dt.datetime) -> tuple[str, str]:
    """DISPLAY_FORMAT's date and time (as strftime writes them in the C locale, which a
    server never leaves), formatted here: strftime was a tenth of a 50-entry history's CPU
    in the bench's profile (2026-12-06), a call per time. tests/api/sdp/
    test_display_time.py holds the two equal over four centuries of instants."""
    hour = value.hour % 12 or 12
    return (
        f"{_MONTHS[value.month - 1]} {value.day:02d}, {value.year}",
        f"{hour:02d}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}",
    )


def sdp_time(value: dt.datetime | None) -> dict[str, str] | None:
    if value is None:
        return None
    date, time = display_parts(value)
    return {"display_value": f"{date} {time}", "value": str(datetime_to_epoch_ms(value))}


def named(row: Named | Group | Template | None) -> dict[str, Any] | None:
    return None if row is None else {"name": row.name, "id": str(row.id)}


def colored(row: Named | None) -> dict[str, Any] | None:
    return None if row is None else {"color": row.color, "name": row.name, "id": str(row.id)}


def user_json(user: Person | None, profile_pic: object = PROFILE_PIC) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "email_id": user.email,
        "phone": user.phone,
        "name": user.name,
        "mobile": user.mobile,
        "profile_pic": profile_pic,
        "is_vipuser": user.is_vip,
        "id": str(user.id),
        "department": named(user.department),
    }


def small_user_json(user: Person | None) -> dict[str, Any] | None:
    """The short form some samples show (no phones, no picture)."""
    full = user_json(user)
    if full is None:
        return None
    return {k: full[k] for k in ("email_id", "name", "is_vipuser", "id", "department")}


def stage_json(stage: Stage) -> dict[str, Any]:
    return {
        "internal_name": stage.internal_name,
        "stage_index": str(stage.stage_index),
        "name": stage.name,
        "id": str(stage.id),
    }


def status_json(status: Status) -> dict[str, Any]:
    return {
        "internal_name": status.internal_name,
        "stage": {"id": str(status.stage_id)},
        "status_type": status.status_type,
        "name": status.name,
        "id": str(status.id),
    }


def _roles(release: Release) -> list[dict[str, Any]]:
    return [_role_json(release, holder) for holder in release.roles]


def _role_json(release: Release, holder: RoleHolder) -> dict[str, Any]:
    role = holder.role
    return {
        "role": {
            "internal_name": role.internal_name,
            "prominent": role.prominent,
            "user_type": role.user_type,
            "name": role.name,
            "id": str(role.id),
        },
        "release": {"id": str(release.id), "title": release.title},
        "id": str(holder.id),
        "user": user_json(holder.user),
    }


def _descriptive_json(release: Release, row: DescriptiveField) -> dict[str, Any]:
    return {
        "updated_on": sdp_time(row.updated_on),
        "internal_name": row.kind,
        "attachments": [],
        "stage": stage_json(row.stage) if row.stage is not None else None,
        "release": {"id": str(release.id)},
        "name": DISPLAY_NAMES[row.kind],
        "updated_by": user_json(row.updated_by),
        "description": row.description,
        "id": str(row.id),
    }


def _group(group: Group | None) -> dict[str, Any] | None:
    if group is None:
        return None
    return {"site": named(group.site), "name": group.name, "id": str(group.id)}


def _workflow(release: Release) -> dict[str, Any]:
    workflow = release.template.workflow
    return {
        "validated": workflow.validated,
        "name": workflow.name,
        "id": str(workflow.id),
        "type": workflow.type,
    }


def _release_type(row: Named | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "color": row.color,
        "pre_approved": row.pre_approved,
        "name": row.name,
        "id": str(row.id),
    }


def _services(release: Release) -> list[dict[str, str]]:
    return [{"name": s.name, "id": str(s.id), "ciid": str(s.id)} for s in release.services]


def image_token(release: Release) -> str:
    """An opaque token per release, as SDP shows on each release (for its inline images)."""
    return hashlib.sha256(b"releasedesk-image:" + release.uuid.bytes).hexdigest()


def _holder(role: RoleName) -> Callable[[Release], Any]:
    return lambda r: user_json(r.holder(role))


def _plain(value: Any) -> Any:
    return value


# How a registry field's value is written, by the kind of thing a lookup references (a
# priority has a color, a stage its index, …), then by the field's kind.
LOOKUP_WRITERS: dict[str, Callable[[Any], Any]] = {
    "stage": stage_json,
    "status": status_json,
    "priority": colored,
    "release_type": _release_type,
    "group": _group,
    "user": user_json,
}
KIND_WRITERS: dict[FieldKind, Callable[[Any], Any]] = {
    FieldKind.INT: str,
    FieldKind.TEXT: _plain,
    FieldKind.HTML: _plain,
    FieldKind.BOOL: _plain,
    FieldKind.DATETIME: sdp_time,
    FieldKind.LOOKUP: named,
}
# What shows the whole release rather than one attribute of it: SDP's own keys, and the
# related records (roles, services) that carry the release's id or need it.
RELEASE_WRITERS: dict[str, Callable[[Release], Any]] = {
    "workflow": _workflow,
    "services": _services,
    "roles": _roles,
    "image_token": image_token,
    **{key: (lambda r: []) for key in ALWAYS_EMPTY},
    **{key: _holder(role) for key, role in ROLE_KEYS.items()},
}


def _builder(key: str) -> Callable[[Release], Any]:
    if key in RELEASE_WRITERS:
        return RELEASE_WRITERS[key]
    field = fields.BY_NAME[key]
    write = LOOKUP_WRITERS.get(field.lookup or "") or KIND_WRITERS[field.kind]
    value = attrgetter(key)
    if write is _plain:
        return value  # no call more than the attribute's read, on the hottest path
    return lambda r: write(value(r))


# One builder per key of a release, built once (not per call), in SDP's key order; the
# descriptive fields come last, from the release's descriptive records (release_json).
BUILDERS: dict[str, Callable[[Release], Any]] = {
    key: _builder(key) for key in KEYS if key not in fields.DESCRIPTIVE_KINDS
}


def release_json(release: Release, keys: Iterable[str] | None = None) -> dict[str, Any]:
    """A release as SDP shows it; with `keys`, only those keys (and the id)."""
    wanted = RELEASE_KEYS if keys is None else {*keys, "id"}
    out = {key: build(release) for key, build in BUILDERS.items() if key in wanted}
    descriptive = [k for k in fields.DESCRIPTIVE_KINDS if k in wanted]
    if descriptive:
        by_kind = {row.kind: row for row in release.descriptive_fields}
        for kind in descriptive:
            row = by_kind.get(kind)
            out[kind] = None if row is None else _descriptive_json(release, row)
    return out


# The related records each kind of field is read from (the rest are on the release row).
PART_OF_KIND = {
    FieldKind.ROLES: Part.ROLES,
    FieldKind.SERVICES: Part.SERVICES,
    FieldKind.DESCRIPTIVE: Part.DESCRIPTIVE_FIELDS,
}
PART_OF_KEY: dict[str, Part] = {
    **{f.name: PART_OF_KIND[f.kind] for f in fields.FIELDS if f.kind in PART_OF_KIND},
    **{key: Part.ROLES for key in ROLE_KEYS},  # the role holders SDP shows
}


def parts_for(keys: Iterable[str]) -> frozenset[Part]:
    """Which related records the core must load to show `keys`."""
    return frozenset(PART_OF_KEY[k] for k in keys if k in PART_OF_KEY)
