"""The one error a backup or restore refuses with: its message is for the operator."""

from __future__ import annotations


class BackupRefused(Exception):
    """A backup or restore that did not happen, and why (the CLI prints it, exits 1)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
