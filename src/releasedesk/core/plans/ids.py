"""Stable UUIDs for what a release implies but does not store as rows of its own: its base
application and deployment plan, and the users who made it (users are named by number in
the store). Each is a name-based UUID (version 5), so the same thing answers the same id
on every read and in every process."""

from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("6f3c2a9e-1d7b-5c84-9e2f-7a61b0d4c3e5")


def base_application_uuid(release_uuid: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"base-application:{release_uuid}")


def deployment_plan_uuid(release_uuid: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"deployment-plan:{release_uuid}")


def user_uuid(portal_id: int, user_id: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"user:{portal_id}:{user_id}")
