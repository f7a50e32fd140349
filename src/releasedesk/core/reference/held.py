"""The reference data a process holds per Database: (portal, version, part) -> data, LRU.

A part is the workflow (stages, statuses, templates) or one kind of lookup. An entry of
an old version is never read again (versions only grow) and ages out; the bound keeps a
process with many portals from holding them all.
"""

from __future__ import annotations

from collections import OrderedDict

Key = tuple[int, int, str]  # portal id, reference version, part ("workflow" or a kind)
Part = object  # Workflow, Lookups, or another part held per version (reference.held_part)

# Parts of about a hundred portals (a workflow and a dozen lookup kinds each).
SIZE = 2048


class HeldReference:
    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._parts: OrderedDict[Key, Part] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: Key) -> Part | None:
        part = self._parts.get(key)
        if part is None:
            self.misses += 1
            return None
        self.hits += 1
        self._parts.move_to_end(key)
        return part

    def put(self, key: Key, part: Part) -> None:
        self._parts[key] = part
        self._parts.move_to_end(key)
        while len(self._parts) > self.size:
            self._parts.popitem(last=False)

    def __len__(self) -> int:
        return len(self._parts)
