"""The ServiceDesk Plus v3 release API."""
