"""The internal names the rules depend on, where the workflow's callers have always found
them (they live in core/names.py, below every package that holds or resolves them)."""

from __future__ import annotations

from releasedesk.core.names import ClosureStatus, RoleName, RoleUserType, StageName, StatusType

__all__ = ["ClosureStatus", "RoleName", "RoleUserType", "StageName", "StatusType"]
