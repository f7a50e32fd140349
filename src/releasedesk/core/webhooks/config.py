"""What the webhook services and the sender are given by the server's settings: the sealer of
secrets (under the server's key), the networks an operator allowed, how hosts resolve."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from releasedesk.core.webhooks.sealing import Sealer
from releasedesk.core.webhooks.targets import Network, Resolver, system_resolver

DEFAULT_ROTATION_GRACE = dt.timedelta(hours=24)


@dataclass(frozen=True)
class WebhookConfig:
    sealer: Sealer = field(repr=False)
    allowed: tuple[Network, ...] = ()
    resolve: Resolver = system_resolver
    rotation_grace: dt.timedelta = DEFAULT_ROTATION_GRACE
