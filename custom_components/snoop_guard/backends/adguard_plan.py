"""What AdGuard Home's user rules and access list should hold, and whether they do (no I/O).

Pure functions over the rules and access list as the server returns them, used by
``AdGuardBackend`` both to write (``plan_write``) and to read back
(``inspect``): "in sync" means exactly that writing would change nothing, so
a read-back never disagrees with what an apply would do (no re-apply loop).

With tens of thousands of tracker rules the block is big: the valid, sorted
tracker names are prepared once per ``TrackerSet`` (its ``sha256``) and the
rendered block is cached per (tracker set, blocked clients, owned entries), so
a steady reconciliation only compares lists. Callers run these functions in an
executor above ``EXECUTOR_LINES`` lines.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from .adguard_rules import (
    BlockState,
    block_access,
    merge_rules,
    parse_block,
    render_block,
    split_rules,
    tracker_domain,
)

EXECUTOR_LINES: Final = 5000
"""Rules (or tracker names) above which the work moves off the event loop."""

type Json = dict[str, Any]


def tracker_names(domains: Iterable[str]) -> tuple[str, ...]:
    """Return the tracker names a rule can carry, lower case, sorted, once each."""
    return tuple(sorted({d for v in domains if (d := tracker_domain(v)) is not None}))


@dataclass(frozen=True, slots=True)
class Wanted:
    """What we want written, for one reconciliation."""

    names: tuple[str, ...]
    """Valid tracker names (``tracker_names``)."""
    sha256: str
    tracker_ids: frozenset[str]
    internet_ids: frozenset[str]


class BlockCache:
    """The last rendered block (one entry: a steady state renders the same block)."""

    def __init__(self) -> None:
        """Start empty."""
        self._lock = threading.Lock()
        self._key: tuple[str, frozenset[str], frozenset[str]] | None = None
        self._lines: list[str] = []
        self.renders = 0
        """How many blocks were rendered (not served from the cache)."""

    def render(self, wanted: Wanted, owned: Iterable[str]) -> list[str]:
        """Our block for ``wanted`` that lists ``owned`` access-list entries as ours."""
        key = (wanted.sha256, wanted.tracker_ids, frozenset(owned))
        with self._lock:
            if key == self._key:
                return self._lines
        lines = render_block(
            wanted.names,
            wanted.tracker_ids,
            trackers_digest=wanted.sha256,
            access=key[2],
            checked=True,
        )
        with self._lock:
            self._key, self._lines = key, lines
            self.renders += 1
        return lines


@dataclass(frozen=True, slots=True)
class WritePlan:
    """New rules and access list (None: unchanged), and whether entries are released."""

    rules: list[str] | None
    access: Json | None
    release: bool


def plan_write(
    wanted: Wanted, cache: BlockCache, rules: list[str], access: Json, *, final: bool
) -> WritePlan:
    """Plan one write of our block and our access-list entries.

    Not ``final``: the block lists every entry we own before and after (written
    before the access list). ``final``: only the ones we keep.
    """
    split = split_rules(rules)
    owned_before = block_access(split.ours)
    disallowed: list[str] = access["disallowed_clients"]
    users = [e for e in disallowed if e not in owned_before]
    claimed = sorted(wanted.internet_ids - set(users))
    kept = owned_before & set(disallowed)
    release = bool(kept - set(claimed))
    owned = set(claimed) if final else kept | set(claimed)
    block = cache.render(wanted, owned)
    new_disallowed = [*users, *claimed]
    rules_same = (
        split.found
        and split.ours == block
        and len(split.before) + len(block) + len(split.after) == len(rules)
    )
    return WritePlan(
        rules=None if rules_same else merge_rules(split, block),
        access=None
        if new_disallowed == disallowed
        else {**access, "disallowed_clients": new_disallowed},
        release=release,
    )


def plan_removal(rules: list[str], access: Json) -> WritePlan:
    """Remove our block and the access-list entries it lists as ours."""
    split = split_rules(rules)
    owned = block_access(split.ours)
    disallowed = [e for e in access["disallowed_clients"] if e not in owned]
    return WritePlan(
        rules=merge_rules(split, None) if split.found else None,
        access=None
        if disallowed == access["disallowed_clients"]
        else {**access, "disallowed_clients": disallowed},
        release=False,
    )


@dataclass(frozen=True, slots=True)
class Inspection:
    """Our block as read back, and whether rules and access list are as we would write them."""

    block: BlockState
    written: bool


def inspect(wanted: Wanted, cache: BlockCache, rules: list[str], access: Json) -> Inspection:
    """Read back our block; ``written``: a final write would change nothing."""
    plan = plan_write(wanted, cache, rules, access, final=True)
    written = plan.rules is None and plan.access is None and not plan.release
    if plan.rules is None:
        # Our block is the one we would render: no need to parse it back.
        ours = split_rules(rules).ours
        block = BlockState(
            present=True,
            intact=True,
            trackers_digest=wanted.sha256,
            access=block_access(ours),
            domains=frozenset(wanted.names) if wanted.tracker_ids else frozenset(),
            clients=wanted.tracker_ids if wanted.names else frozenset(),
        )
    else:
        block = parse_block(split_rules(rules).ours)
    return Inspection(block, written)


def user_overrides(rules: list[str], names: frozenset[str]) -> bool:
    """Whether a user rule outside our block allow-lists one of our tracker names (``@@||``)."""
    split = split_rules(rules)
    for line in (*split.before, *split.after):
        if line.startswith("@@||"):
            name = line[4:].split("^", 1)[0].split("$", 1)[0]
            if tracker_domain(name) in names:
                return True
    return False
