from __future__ import annotations

import pytest

from tests.api.flexdeploy.support import Flex, flex_for
from tests.helpers import Desk


@pytest.fixture
def flex(desk: Desk) -> Flex:
    """A fresh portal with the sample catalog, spoken to in FlexDeploy."""
    return flex_for(desk)
