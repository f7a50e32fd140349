"""A portal's stages and statuses as views: the workflow every release stands in (a release
view holds one of each; releases/views.py builds on these)."""

from __future__ import annotations

from releasedesk.core.values import Stage, Status

__all__ = ["Stage", "Status"]
