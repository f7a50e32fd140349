"""The hash chain over a portal's audit trail, pure: hashing an entry, and checking a chain.

Entry n of a portal's chain (`chain_seq` n = 1, 2, 3, …) stores `previous_hash`, the
`entry_hash` of entry n - 1 (GENESIS for the first), and `entry_hash`, the SHA-256 of its
canonical content (views.canonical: every stored column but the row id, previous hash and
place included). The chain head (`audit_chain_heads`) holds the last place and hash.

`check` walks a chain in order and names the first entry that breaks it:
- its content no longer matches its hash: altered (an edit by hand);
- a place is missing: removed (from the middle; from the end, the head still counts them);
- an entry whose follower is chained to the entry before it: inserted;
- an entry whose follower is chained to some other hash: altered, and its hash recomputed;
- places beyond the head: inserted after the end.
Anyone able to rewrite every entry after the one they change and the head too can make a
consistent chain; the head hash `audit verify` prints, kept elsewhere, catches that.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from releasedesk.core.audit.views import AuditEntry, canonical

GENESIS = "0" * 64  # the previous hash of a chain's first entry


def entry_hash(entry: AuditEntry) -> str:
    """The SHA-256 (hex) of the entry's canonical content, its previous hash included."""
    return hashlib.sha256(canonical(entry)).hexdigest()


@dataclass(frozen=True, slots=True)
class Head:
    """Where a portal's chain ends: its last place (0: empty) and that entry's hash."""

    chain_seq: int
    entry_hash: str


@dataclass(frozen=True, slots=True)
class Finding:
    """The first break of a chain: which entry (`entry_id`, None when it is gone), its place,
    what happened to it (altered, removed, inserted) and the sentence that says so."""

    what: str
    chain_seq: int
    entry_id: int | None
    says: str


@dataclass(frozen=True, slots=True)
class Verdict:
    entries: int  # how many were checked
    head: Head | None  # as stored (None: the portal has no head row)
    finding: Finding | None

    @property
    def intact(self) -> bool:
        return self.finding is None


def _name(entry: AuditEntry) -> str:
    return f"entry {entry.id} (#{entry.chain_seq}, {entry.kind})"


def check(entries: Iterable[AuditEntry], head: Head | None) -> Verdict:
    """Check one portal's chain, `entries` in chain order (chain_seq, then id)."""
    count = 0
    finding: Finding | None = None
    window = _pairs(iter(entries))
    last: AuditEntry | None = None
    previous: AuditEntry | None = None  # the last entry found sound
    for entry, following in window:
        count += 1
        finding = _past_head(entry, head) or _check_one(previous, entry, following)
        if finding is not None:
            break
        previous = last = entry
    if finding is None:
        finding = _check_head(last, head)
    return Verdict(count, head, finding)


def _pairs(entries: Iterator[AuditEntry]) -> Iterator[tuple[AuditEntry, AuditEntry | None]]:
    """Each entry with the one after it (None for the last): a break is named by looking one
    ahead (whom the next entry is chained to)."""
    current = next(entries, None)
    while current is not None:
        following = next(entries, None)
        yield current, following
        current = following


def _check_one(
    previous: AuditEntry | None, entry: AuditEntry, following: AuditEntry | None
) -> Finding | None:
    expected_seq = 1 if previous is None else previous.chain_seq + 1
    expected_hash = GENESIS if previous is None else previous.entry_hash
    skips_it = following is not None and following.previous_hash == expected_hash
    if entry.chain_seq < expected_seq or (skips_it and entry.previous_hash == expected_hash):
        # A second entry at a place taken, or one the next entry's chain goes around.
        return Finding(
            "inserted",
            entry.chain_seq,
            entry.id,
            f"{_name(entry)} was inserted: the chain goes from "
            + ("its start" if previous is None else _name(previous))
            + (" past it" if skips_it else f", which already holds #{entry.chain_seq}"),
        )
    if entry.chain_seq > expected_seq:
        missing = (
            f"#{expected_seq}"
            if entry.chain_seq == expected_seq + 1
            else f"#{expected_seq} to #{entry.chain_seq - 1}"
        )
        return Finding(
            "removed",
            expected_seq,
            None,
            f"entry {missing} was removed: the chain goes from "
            + ("its start" if previous is None else _name(previous))
            + f" to {_name(entry)}",
        )
    if entry_hash(entry) != entry.entry_hash:
        if skips_it:
            return Finding(
                "inserted",
                entry.chain_seq,
                entry.id,
                f"{_name(entry)} was inserted: the next entry is chained to the one before it",
            )
        return Finding(
            "altered",
            entry.chain_seq,
            entry.id,
            f"{_name(entry)} was altered: its content no longer matches its hash",
        )
    if entry.previous_hash != expected_hash:
        # Sound in itself but chained to something else: the entry before it was changed and
        # given a new hash (the stored one is what this entry was chained to).
        assert previous is not None  # GENESIS is what a first entry is chained to
        return Finding(
            "altered",
            previous.chain_seq,
            previous.id,
            f"{_name(previous)} was altered and its hash recomputed: {_name(entry)} is "
            "chained to another hash",
        )
    return None


def _past_head(entry: AuditEntry, head: Head | None) -> Finding | None:
    if head is None or entry.chain_seq <= head.chain_seq:
        return None
    return Finding(
        "inserted",
        entry.chain_seq,
        entry.id,
        f"{_name(entry)} was inserted after the chain's end: its head is #{head.chain_seq}",
    )


def _check_head(last: AuditEntry | None, head: Head | None) -> Finding | None:
    if head is None:
        if last is None:
            return None
        return Finding(
            "removed", last.chain_seq, None, "the chain's head (its last place and hash) is gone"
        )
    last_seq = 0 if last is None else last.chain_seq
    last_hash = GENESIS if last is None else last.entry_hash
    if head.chain_seq > last_seq:
        missing = (
            f"#{head.chain_seq}"
            if head.chain_seq == last_seq + 1
            else f"#{last_seq + 1} to #{head.chain_seq}"
        )
        return Finding(
            "removed",
            last_seq + 1,
            None,
            f"entry {missing} was removed from the end: the chain's head is #{head.chain_seq}",
        )
    if head.entry_hash != last_hash:
        return Finding(
            "altered",
            last_seq,
            None if last is None else last.id,
            f"the chain's head holds another hash than its last entry #{last_seq}: that entry "
            "was replaced, or the head altered",
        )
    return None
