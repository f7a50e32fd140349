"""Insights: the four DORA metrics and approval wait, computed from the release store."""
