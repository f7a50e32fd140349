"""Pure translations between SDP's release JSON and the core's shapes."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from releasedesk.api.sdp.fields import DISPLAY_NAMES, READ_ONLY_KEYS, RELEASE_KEYS, ROLE_KEYS
from releasedesk.api.sdp.wire import ReleaseIn, RoleIn
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
from releasedesk.core.releases.read_repository import Part
from releasedesk.core.releases.schemas import ReleaseChanges, RoleHolderRef
from releasedesk.core.releases.views import (
    DescriptiveField,
    Group,
    Named,
    Person,
    Release,
    RoleHolder,
    Stage,
    Status,
    Template,
)
from releasedesk.core.workflow.names import RoleName

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


def release_to_core(release: ReleaseIn) -> ReleaseChanges:
    """The fields the client gave, as a core change; read-only keys are refused."""
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


def sdp_time(value: dt.datetime | None) -> dict[str, str] | None:
    if value is None:
        return None
    return {
        "display_value": value.strftime(DISPLAY_FORMAT),
        "value": str(datetime_to_epoch_ms(value)),
    }


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


def _plain(name: str) -> Callable[[Release], Any]:
    return lambda r: getattr(r, name)


def _time_of(name: str) -> Callable[[Release], Any]:
    return lambda r: sdp_time(getattr(r, name))


def _named_of(name: str) -> Callable[[Release], Any]:
    return lambda r: named(getattr(r, name))


# One builder per key of a release, built once (not per call), in SDP's key order.
BUILDERS: dict[str, Callable[[Release], Any]] = {
    "id": lambda r: str(r.id),
    "title": _plain("title"),
    "description": _plain("description"),
    "short_description": _plain("short_description"),
    "template": lambda r: named(r.template),
    "workflow": _workflow,
    "stage": lambda r: stage_json(r.stage),
    "status": lambda r: status_json(r.status),
    "priority": lambda r: colored(r.priority),
    "impact": _named_of("impact"),
    "urgency": _named_of("urgency"),
    "risk": _named_of("risk"),
    "release_type": lambda r: _release_type(r.release_type),
    "category": _named_of("category"),
    "subcategory": _named_of("subcategory"),
    "item": _named_of("item"),
    "site": _named_of("site"),
    "group": lambda r: _group(r.group),
    "closure_code": _named_of("closure_code"),
    "services": _services,
    "assets": lambda r: [],
    "configuration_items": lambda r: [],
    "attachments": lambda r: [],
    "roles": _roles,
    **{key: _holder(role) for key, role in ROLE_KEYS.items()},
    "emergency": _plain("emergency"),
    "notes_present": _plain("notes_present"),
    "image_token": image_token,
    **{f.name: _time_of(f.name) for f in fields.TIMES},
    "created_by": lambda r: user_json(r.created_by),
}
assert set(BUILDERS) | set(fields.DESCRIPTIVE_KINDS) == RELEASE_KEYS, "a release key has no builder"


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


PART_OF_KEY: dict[str, Part] = {
    "roles": Part.ROLES,
    **{key: Part.ROLES for key in ROLE_KEYS},
    "services": Part.SERVICES,
    **{kind: Part.DESCRIPTIVE_FIELDS for kind in fields.DESCRIPTIVE_KINDS},
}


def parts_for(keys: Iterable[str]) -> frozenset[Part]:
    """Which related records the core must load to show `keys`."""
    return frozenset(PART_OF_KEY[k] for k in keys if k in PART_OF_KEY)
