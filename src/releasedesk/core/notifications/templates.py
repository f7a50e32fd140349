"""Mail texts with `${name}` placeholders, filled from neutral values."""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")
APPROVAL_LINK = "approval_link"  # filled by the sender at delivery (see outbox.py)


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with each `${name}` that `values` knows replaced; others are left as written."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
