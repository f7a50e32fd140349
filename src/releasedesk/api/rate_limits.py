"""What every dialect adds to a rate-limited refusal (HTTP 429): `Retry-After`, in seconds."""

from __future__ import annotations

from releasedesk.core.errors import RateLimited, ReleaseDeskError


def retry_after(error: ReleaseDeskError) -> dict[str, str] | None:
    """The `Retry-After` header of a RateLimited refusal; None for any other error."""
    if isinstance(error, RateLimited):
        return {"Retry-After": str(error.retry_after)}
    return None
