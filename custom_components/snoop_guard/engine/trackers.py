"""Tracker knowledge and the domain matcher.

Rules are domain suffixes matched on label boundaries, the way dnsmasq's
``address=/domain/`` and ``nftset=/domain/`` directives match: the rule
``gz-data.com`` covers ``gz-data.com`` and ``api.gz-data.com`` but not
``xgz-data.com``. A few rules are exact (that name only). The most specific
tracker rule wins; an allow rule (:mod:`.allowlist`, or an ``@@`` exception of
a subscribed list) that matches the name wins over every tracker rule unless the
user overrides it (:meth:`TrackerMatcher.with_overrides`).

Layout, chosen for speed and memory (see ``benchmarks/``): suffix rules live in
one dict per top-level label, keyed by the rest of the name (``"gz-data"`` in
the ``"com"`` dict), with a shared attribution object as value
(:mod:`.ruletables`). A lookup takes one small dict lookup for the top-level
label, then one lookup per remaining label suffix, longest first; results are
memoised per queried name, since DNS logs repeat the same names all day.

The bundled knowledge is the curated table (:mod:`.curated`), the Perflyst lists
in ``data/`` (:mod:`.perflyst`) and the functional allow-list; building it and
subscriptions into a matcher is in :mod:`.compiled`, the on-disk cache in
:mod:`.matchercache`, the verdict in words in :mod:`.explain`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice

from .explain import explain_verdict
from .lists import ParseReport
from .model import CATEGORIES, AllowInfo, TrackerInfo, Verdict
from .names import (
    MAX_INPUT,
    MAX_NAME,
    SAFE_DOMAIN_RE,
    check_domain,
    is_safe_rule_domain,
    normalize_domain,
    rule_domain_problem,
    suffixes,
)
from .perflyst import BUNDLED_LISTS, ParsedList, parse_blocklist
from .ruletables import Attribution, CompiledRules, split_rule, tracker_info
from .suspect import MAX_EVIDENCE as _MAX_EVIDENCE
from .suspect import Suspicion, suspect_name
from .withheld import HELD_NEEDED

__all__ = [
    "BUNDLED_LISTS",
    "CATEGORIES",
    "DEFAULT_MEMO_SIZE",
    "SAFE_DOMAIN_RE",
    "AllowInfo",
    "ParsedList",
    "TrackerInfo",
    "TrackerMatcher",
    "Verdict",
    "check_domain",
    "is_safe_rule_domain",
    "normalize_domain",
    "parse_blocklist",
]

DEFAULT_MEMO_SIZE = 16_384
_UNSET: object = object()
# Labels that may precede a rule in a normalised name (the rule itself is known valid).
_PREFIX_RE = re.compile(r"(?:[a-z0-9_-]{1,63}\.)*[a-z0-9_-]{1,63}")


class _Resolver(dict[object, "TrackerInfo | None"]):
    """The lookup itself, and its bounded memo (internal).

    The memo is this dict: a repeated name costs one C-level dict lookup
    (``TrackerMatcher.match`` is bound to ``__getitem__``). ``__missing__``
    computes the answer for a new name and stores it; when full, the oldest
    quarter is dropped (insertion order: FIFO in batches, O(1) amortised, and
    the names a home network repeats come straight back). With ``limit`` 0
    nothing is stored and ``match`` is ``__missing__`` itself.
    """

    __slots__ = ("allow_exact", "allow_suffix", "exact", "infos", "limit", "suffix")

    def __init__(
        self,
        suffix: dict[str, dict[str, Attribution]],
        exact: dict[str, Attribution],
        allow_exact: dict[str, tuple[AllowInfo, ...]],
        allow_suffix: dict[str, tuple[AllowInfo, ...]],
        limit: int,
    ) -> None:
        super().__init__()
        self.suffix = suffix
        self.exact = exact
        self.allow_exact = allow_exact
        self.allow_suffix = allow_suffix
        self.infos: dict[str, TrackerInfo] = {}  # suffix rule -> its TrackerInfo
        self.limit = limit

    def __missing__(self, name: object) -> TrackerInfo | None:
        """Answer a name that is not memoised, and memoise the answer.

        The lookup runs on the raw name and normalises only when that can change
        the answer: a hit whose leading labels are not plainly valid, or a miss
        on a name that is not in normal form (upper case, trailing dot, IDN).
        """
        if type(name) is not str:
            return None
        result: TrackerInfo | None = None
        exact = self.exact
        attr = exact.get(name) if exact else None
        if attr is not None:  # the name is a rule, so it is valid and normalised
            result = self.result(name, name, attr, "exact")
        else:
            # One small dict lookup for the top-level label, then one lookup per
            # remaining suffix on label boundaries, longest first.
            start = -1
            dot = name.rfind(".")
            table = self.suffix.get(name[dot + 1 :]) if dot > 0 else None
            if table is not None:
                head = name[:dot]
                attr = table.get(head)
                if attr is not None:
                    start = 0
                else:
                    index = head.find(".")
                    while index != -1:
                        attr = table.get(head[index + 1 :])
                        if attr is not None:
                            start = index + 1
                            break
                        index = head.find(".", index + 1)
            if attr is not None and (
                start == 0 or (len(name) <= MAX_NAME and _PREFIX_RE.fullmatch(name, 0, start - 1))
            ):
                rule = name[start:]
                if self.allow_exact or self.allow_suffix or attr.important:
                    result = self.result(name, rule, attr, "suffix")
                else:
                    result = self.infos.get(rule)
                    if result is None:
                        result = self.infos[rule] = tracker_info(rule, attr, "suffix")
            elif attr is not None or not (
                name.isascii() and name.islower() and name[-1:] != "." and len(name) <= MAX_NAME
            ):
                normalized = normalize_domain(name)
                if normalized is not None and normalized != name:
                    result = self.lookup_normalized(normalized)
            # else: in normal form (or invalid) and no rule: not a tracker
        limit = self.limit
        if limit and len(name) <= MAX_INPUT:
            if len(self) >= limit:
                for old in list(islice(self, max(1, limit // 4))):
                    del self[old]
                if len(self.infos) >= limit:
                    self.infos.clear()
            self[name] = result
        return result

    def lookup_normalized(self, name: str) -> TrackerInfo | None:
        """Look up a normalised name (slow path)."""
        attr = self.exact.get(name)
        if attr is not None:
            return self.result(name, name, attr, "exact")
        dot = name.rfind(".")
        table = self.suffix.get(name[dot + 1 :]) if dot > 0 else None
        if table is None:
            return None
        for candidate in suffixes(name[:dot]):
            attr = table.get(candidate)
            if attr is not None:
                return self.result(name, f"{candidate}{name[dot:]}", attr, "suffix")
        return None

    def result(self, name: str, rule: str, attr: Attribution, kind: str) -> TrackerInfo | None:
        """Return the answer for a tracker-rule hit: None when an allow rule wins."""
        if (self.allow_exact or self.allow_suffix) and self.allowed_by(
            name, attr.important
        ) is not None:
            return None
        if kind == "exact":
            return tracker_info(rule, attr, kind)
        info = self.infos.get(rule)
        if info is None:
            info = self.infos[rule] = tracker_info(rule, attr, kind)
        return info

    def covered_by_rule(self, name: str) -> bool:
        """Whether any tracker rule (honoured or not) covers the normalised ``name``."""
        if name in self.exact:
            return True
        dot = name.rfind(".")
        table = self.suffix.get(name[dot + 1 :]) if dot > 0 else None
        return table is not None and any(c in table for c in suffixes(name[:dot]))

    def allowed_by(self, name: str, important: bool) -> AllowInfo | None:
        """Return the most specific honoured allow rule covering ``name`` (normalised)."""
        for allow in self.allow_exact.get(name, ()):
            if not important or allow.beats_important:
                return allow
        allow_suffix = self.allow_suffix
        for candidate in suffixes(name):
            for allow in allow_suffix.get(candidate, ()):
                if not important or allow.beats_important:
                    return allow
        return None


class TrackerMatcher:
    """Suffix matcher from DNS names to :class:`TrackerInfo`, with allow rules.

    Build one with :func:`.compiled.build_matcher` (bundled knowledge,
    subscriptions, on-disk cache) or :meth:`from_rules`.

    ``match(name) -> TrackerInfo | None`` is the hot path: the tracker rule that
    decides ``name``, or None when no tracker rule matches, an allow rule wins
    or the name is not a valid DNS name. It never raises for any string (nor
    for None or other hashable values, which are not names); an unhashable
    argument raises ``TypeError`` like any dict key would. It is an attribute,
    not a method: with memoisation on (``memo_size`` > 0, the default) it *is*
    the memo dict's C-level lookup, so a repeated name costs one dict lookup.
    """

    match: Callable[[object], TrackerInfo | None]

    __slots__ = (
        "_all_allow_exact",
        "_all_allow_suffix",
        "_allow_exact",
        "_allow_suffix",
        "_exact",
        "_listed",
        "_memo_size",
        "_resolver",
        "_suffix",
        "_tables",
        "cache_status",
        "match",
        "overridden",
        "unknown_overrides",
    )

    def __init__(
        self,
        tables: CompiledRules,
        *,
        overrides: Iterable[object] = (),
        memo_size: int = DEFAULT_MEMO_SIZE,
        cache_status: str = "not cached",
    ) -> None:
        self._tables = tables
        self._suffix = tables.suffix
        self._exact = tables.exact
        self._listed = tables.listed
        self._memo_size = max(0, int(memo_size))
        self.cache_status = cache_status
        all_exact: dict[str, list[AllowInfo]] = {}
        all_suffix: dict[str, list[AllowInfo]] = {}
        for allow in tables.allows:
            table = all_exact if allow.kind == "exact" else all_suffix
            table.setdefault(allow.rule, []).append(allow)
        self._all_allow_exact = {k: tuple(v) for k, v in all_exact.items()}
        self._all_allow_suffix = {k: tuple(v) for k, v in all_suffix.items()}
        wanted: set[str] = set()
        unknown: list[str] = []
        ids = {allow.id for allow in tables.allows}
        rules = {allow.rule for allow in tables.allows}
        for raw in overrides:
            if not isinstance(raw, str):
                continue
            token = raw.strip()
            if token in ids:
                wanted.add(token)
                continue
            domain = normalize_domain(token)
            if domain is not None and domain in rules:
                wanted.add(domain)
            elif token:
                unknown.append(token[:256])
        self.overridden: tuple[AllowInfo, ...] = tuple(
            allow for allow in tables.allows if allow.id in wanted or allow.rule in wanted
        )
        self.unknown_overrides: tuple[str, ...] = tuple(unknown)
        off = {allow.id for allow in self.overridden}
        self._allow_exact = _active(self._all_allow_exact, off)
        self._allow_suffix = _active(self._all_allow_suffix, off)
        self._resolver = _Resolver(
            self._suffix, self._exact, self._allow_exact, self._allow_suffix, self._memo_size
        )
        self.match = self._resolver.__getitem__ if self._memo_size else self._resolver.__missing__

    # -- construction ---------------------------------------------------------

    @classmethod
    def from_rules(cls, rules: Iterable[tuple[str, TrackerInfo]]) -> TrackerMatcher:
        """Build a matcher from ``(domain, info)`` suffix rules; the first rule for a domain wins.

        Domains are normalised; ones that cannot be rules (not safe for dnsmasq,
        single labels, IP addresses, public suffixes) are skipped and counted in
        ``skipped_lines``. ``info.rule`` is reported as the normalised domain.
        No allow rules apply.
        """
        suffix: dict[str, dict[str, Attribution]] = {}
        skipped = 0
        for item in rules:
            domain, info = _unpack_rule(item)
            key = normalize_domain(domain) if domain is not None else None
            if info is None or key is None or rule_domain_problem(key) is not None:
                skipped += 1
                continue
            top, rest = split_rule(key)
            table = suffix.setdefault(top, {})
            if rest not in table:
                table[rest] = Attribution.of(info)
        return cls(CompiledRules(suffix, {}, skipped_lines=skipped))

    def with_overrides(self, overrides: Iterable[object]) -> TrackerMatcher:
        """Return a matcher on the same rules where the given allow rules do not apply.

        ``overrides`` holds allow-rule ids (e.g. ``"netflix-playback-cdn"``) or
        allow-rule domains the user chose not to honour (block anyway). Unknown
        entries are listed in ``unknown_overrides``. Cheap: the rule tables are
        shared, only the allow tables are rebuilt.
        """
        return TrackerMatcher(
            self._tables,
            overrides=overrides,
            memo_size=self._memo_size,
            cache_status=self.cache_status,
        )

    # -- statistics -----------------------------------------------------------

    @property
    def tables(self) -> CompiledRules:
        """The compiled rule tables (shared by the matchers :meth:`with_overrides` makes)."""
        return self._tables

    @property
    def rule_count(self) -> int:
        """Number of tracker rules (suffix and exact)."""
        return self._tables.rule_count

    @property
    def skipped_lines(self) -> int:
        """Lines of the bundled lists that were not valid rules."""
        return self._tables.skipped_lines

    @property
    def excluded_rules(self) -> int:
        """Bundled list rules narrowed to exact names so they cannot cover needed names."""
        return self._tables.excluded_rules

    @property
    def reports(self) -> tuple[ParseReport, ...]:
        """Parse reports of the subscribed lists this matcher was built from."""
        return self._tables.reports

    @property
    def notes(self) -> tuple[str, ...]:
        """Build notes (e.g. the total rule cap was reached)."""
        return self._tables.notes

    @property
    def source_hash(self) -> str:
        """Content hash of the sources (empty for matchers built with :meth:`from_rules`)."""
        return self._tables.source_hash

    @property
    def allow_rules(self) -> tuple[AllowInfo, ...]:
        """Every allow rule, honoured or overridden."""
        return self._tables.allows

    def __len__(self) -> int:
        return self._tables.rule_count

    def __contains__(self, name: object) -> bool:
        return self.match(name) is not None

    # -- the hot path ---------------------------------------------------------

    # -- explanations ---------------------------------------------------------

    def classify(self, name: object) -> Verdict:
        """Return the full decision for ``name``: every matching rule and the winner."""
        shown = name if isinstance(name, str) else repr(name)[:256]
        normalized, error = check_domain(name)
        if normalized is None:
            return Verdict(domain=shown, normalized=None, tracker=False, error=error)
        blocks: list[TrackerInfo] = []
        important = False
        attr = self._exact.get(normalized)
        if attr is not None:
            blocks.append(tracker_info(normalized, attr, "exact"))
            important = attr.important
        for candidate in suffixes(normalized):
            if "." not in candidate:
                break
            top, rest = split_rule(candidate)
            attr = self._suffix.get(top, {}).get(rest)
            if attr is not None:
                if not blocks:
                    important = attr.important
                blocks.append(tracker_info(candidate, attr, "suffix"))
        allows: list[AllowInfo] = list(self._all_allow_exact.get(normalized, ()))
        for candidate in suffixes(normalized):
            allows.extend(self._all_allow_suffix.get(candidate, ()))
        off = {allow.id for allow in self.overridden}
        active = tuple(allow for allow in allows if allow.id not in off)
        overridden = tuple(allow for allow in allows if allow.id in off)
        winner = next((a for a in active if not important or a.beats_important), None)
        suspicion = None if blocks or allows else self._suspicion(normalized)
        return Verdict(
            domain=shown,
            normalized=normalized,
            tracker=bool(blocks) and winner is None,
            info=blocks[0] if blocks else None,
            allowed_by=winner if blocks else None,
            block_matches=tuple(blocks),
            allow_matches=active,
            overridden=overridden,
            suspected=suspicion is not None,
            suspected_category=suspicion.category if suspicion else None,
            evidence=suspicion.evidence if suspicion else (),
        )

    def suspect(self, name: object) -> Suspicion | None:
        """Return why ``name`` looks like an unknown tracker, or None.

        None when the name is invalid, a tracker rule matches it (known, or
        allowed) or any allow rule covers it (the allow-list always wins, also
        one the user overrides). Suspected names are never enforced.
        """
        normalized = normalize_domain(name)
        if normalized is None or self._resolver.covered_by_rule(normalized):
            return None
        if self._all_allow_exact.get(normalized):
            return None
        if any(self._all_allow_suffix.get(c) for c in suffixes(normalized)):
            return None
        return self._suspicion(normalized)

    def _suspicion(self, normalized: str) -> Suspicion | None:
        """Suspect a name no rule or allow rule matches: a held-back list entry, its structure.

        A list entry held back as a device function (:class:`.ruletables.Listed`) is
        the first evidence; the name's structure (:func:`.suspect.suspect_name`) adds
        to it. Under a name a TV needs (:data:`.withheld.HELD_NEEDED`, e.g. the push
        channel ``gld.push.samsungosp.com``) a list's entry is no evidence.
        """
        by_structure = suspect_name(normalized)
        if not self._listed or any(parent in HELD_NEEDED for parent in suffixes(normalized)):
            return by_structure
        found = next(
            (
                (candidate, held)
                for candidate in suffixes(normalized)
                if (held := self._listed.get(candidate)) is not None
                and (held.kind == "suffix" or candidate == normalized)
            ),
            None,
        )
        if found is None:
            return by_structure
        rule, held = found
        attr = held.attr
        words = ", ".join(repr(word) for word in held.functions)
        verb = "names" if len(held.functions) == 1 else "name"
        listed = (
            f"{attr.citation or attr.source} lists {rule} as {attr.category} ({attr.company}); "
            f"not blocked: {words} {verb} a device function the device may need, and marking it "
            "as a tracker may break that function"
        )
        more = by_structure.evidence if by_structure is not None else ()
        return Suspicion(normalized, attr.category, (listed, *more)[:_MAX_EVIDENCE])

    def explain(self, name: object) -> str:
        """Return the decision for ``name`` in words: rules matched, the winner and why."""
        return explain_verdict(self.classify(name))

    # -- enforcement ----------------------------------------------------------

    def domains(self) -> list[str]:
        """Return the tracker rule domains to enforce with dnsmasq ``nftset=``, sorted.

        Each matches :data:`SAFE_DOMAIN_RE`. dnsmasq applies a rule to every
        subdomain, so a rule is left out when an honoured allow rule sits at or
        under it (blocking it would block the allowed name too) or covers it, and
        when another returned rule is a parent of it (that one covers it).
        Exact rules are left out too: dnsmasq cannot express them. O(rules):
        call it in an executor for large subscriptions.
        """
        out = [f"{rest}.{top}" for top, table in self._suffix.items() for rest in table]
        if self._allow_exact or self._allow_suffix:
            protected: set[str] = set()
            for allowed in (*self._allow_exact, *self._allow_suffix):
                protected.update(suffixes(allowed))
            covered = tuple(f".{allowed}" for allowed in self._allow_suffix)
            out = [
                domain for domain in out if domain not in protected and not domain.endswith(covered)
            ]
        # A rule a kept parent rule already covers adds nothing to enforce.
        kept = set(out)
        out = [domain for domain in out if not any(parent in kept for parent in _parents(domain))]
        out.sort()
        return out


def _parents(domain: str) -> Iterator[str]:
    """Yield the parent names of ``domain`` (not ``domain`` itself), longest first."""
    index = domain.find(".")
    while index != -1:
        yield domain[index + 1 :]
        index = domain.find(".", index + 1)


def _active(
    table: Mapping[str, tuple[AllowInfo, ...]], off: set[str]
) -> dict[str, tuple[AllowInfo, ...]]:
    out: dict[str, tuple[AllowInfo, ...]] = {}
    for key, allows in table.items():
        kept = tuple(allow for allow in allows if allow.id not in off)
        if kept:
            out[key] = kept
    return out


def _unpack_rule(item: object) -> tuple[str | None, TrackerInfo | None]:
    if not isinstance(item, tuple) or len(item) != 2:
        return None, None
    domain, info = item
    if not isinstance(domain, str) or not isinstance(info, TrackerInfo):
        return None, None
    return domain, info
