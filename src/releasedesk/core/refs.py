"""How a dialect names an existing thing to the core: by id, by name, or by email."""

from __future__ import annotations

from dataclasses import dataclass

from releasedesk.core.errors import Invalid


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to a lookup value, stage, status, template or user.

    The id wins when given; otherwise the name (any case) or, for users, the email.
    """

    id: int | None = None
    name: str | None = None
    email: str | None = None

    def describe(self) -> str:
        return str(self.id if self.id is not None else self.name or self.email or "")

    def name_or_fail(self, field: str) -> str:
        if self.name is None:
            raise Invalid(f"'{field}' needs an id or a name", field)
        return self.name
