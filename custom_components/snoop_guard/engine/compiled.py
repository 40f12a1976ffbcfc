"""Building the tracker knowledge base into a matcher, and its on-disk cache.

:func:`build_matcher` is what the Home Assistant side calls (in an executor):
it hashes the sources (bundled data, subscribed list texts, and the engine code
that interprets them), loads the compiled cache when the hash matches, and
otherwise compiles the sources and writes the cache atomically.

Source precedence: curated rules, then the Perflyst lists, then subscriptions
in the order given. The first source to list a domain names it; a rule that a
more trusted source already covers (the same domain or a parent suffix) is
left out, so curated attribution wins for the whole subtree.

The cache file format is in :mod:`.matchercache`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from . import psl
from .allowlist import FUNCTIONAL_ALLOW
from .curated import CURATED
from .lists import DEFAULT_MAX_RULES, ParseReport, parse_list
from .matchercache import CACHE_FORMAT_VERSION, CacheError, read_cache, write_cache
from .model import CATEGORIES, CONFIDENCES, AllowInfo
from .names import rule_domain_problem, suffixes
from .perflyst import BUNDLED_LISTS, guess_category, owner_of, parse_blocklist
from .ruletables import Attribution, CompiledRules, Listed, split_rule
from .trackers import DEFAULT_MEMO_SIZE, TrackerMatcher
from .withheld import NEEDED, WITHHELD, held_back, shown_function_words

__all__ = [
    "CACHE_FILE",
    "CACHE_FORMAT_VERSION",
    "CacheError",
    "ListSource",
    "build_matcher",
    "compile_rules",
    "read_cache",
    "source_hash",
    "write_cache",
]

CACHE_FILE = "snoop_guard_matcher.bin"
DATA_DIR = Path(__file__).with_name("data")
# Engine modules and data whose content decides what the compiled tables contain.
_CODE_FILES = (
    "names.py",
    "psl.py",
    "data/public_suffix_list.dat",
    "model.py",
    "lists.py",
    "perflyst.py",
    "withheld.py",
    "owners.py",
    "suspect.py",
    "explain.py",
    "bundled.py",
    "curated_row.py",
    "curated_native.py",
    "curated_ctv.py",
    "curated.py",
    "allowlist.py",
    "ruletables.py",
    "trackers.py",
    "compiled.py",
    "matchercache.py",
)


@dataclass(frozen=True, slots=True)
class ListSource:
    """A subscribed list as downloaded by the caller.

    ``name`` identifies the list in attributions (``source`` becomes
    ``"list:<name>"``) and in allow-rule ids. ``category`` is the category
    given to its rules when the domain does not suggest one; ``company`` the
    company when the domain's owner is not known. ``spare_vendor_functions``
    (the default per-vendor lists) leaves out entries under a device maker's
    service domain that name a function, and WITHHELD names a TV needs
    (:func:`.withheld.held_back`):
    a list the user did not choose must not break the device's store, updates or
    sign-in.
    """

    name: str
    text: str
    category: str = "tracking"
    company: str | None = None
    confidence: str = "low"
    vendors: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    max_rules: int = DEFAULT_MAX_RULES
    spare_vendor_functions: bool = False

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, name: str | None = None) -> ListSource:
        """Read a list file (UTF-8, undecodable bytes replaced). Blocking I/O."""
        file = Path(path)
        return cls(name=name or file.name, text=file.read_text(encoding="utf-8", errors="replace"))


def _identity(source: ListSource) -> dict[str, Any]:
    """Everything about ``source`` but its text (hashed on its own), JSON-ready."""
    return {item.name: getattr(source, item.name) for item in fields(source) if item.name != "text"}


def source_hash(
    sources: Sequence[ListSource] = (),
    *,
    bundled: bool = True,
    max_rules: int = DEFAULT_MAX_RULES,
) -> str:
    """Return the hex sha256 of everything the compiled tables depend on. Blocking I/O."""
    digest = hashlib.sha256()

    def chunk(data: bytes) -> None:
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)

    def chunk_file(folder: Path, name: str) -> None:
        chunk(name.encode())
        try:
            chunk((folder / name).read_bytes())
        except OSError:
            chunk(b"missing")

    chunk(f"snoop-guard-matcher {CACHE_FORMAT_VERSION} {bundled} {max_rules}".encode())
    here = Path(__file__).parent
    for name in _CODE_FILES:
        chunk_file(here, name)
    if bundled:
        for name in BUNDLED_LISTS:
            chunk_file(DATA_DIR, name)
    for source in sources:
        chunk(json.dumps(_identity(source)).encode())
        chunk(source.text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class _Builder:
    """Accumulates rules in precedence order (internal)."""

    def __init__(self, max_rules: int) -> None:
        self.suffix: dict[str, Attribution] = {}
        self.exact: dict[str, Attribution] = {}
        self.trusted: set[str] = set()  # suffix rules of more trusted sources
        self.allows: list[AllowInfo] = []
        self.allow_ids: set[str] = set()
        self.interned: dict[Attribution, Attribution] = {}
        self.max_rules = max_rules
        self.skipped = 0
        self.excluded = 0
        self.notes: list[str] = []
        self.capped: dict[str, int] = {}
        # List entries held back as device functions: shown as suspected, never rules.
        self.listed: dict[str, Listed] = {}

    def intern(self, attr: Attribution) -> Attribution:
        return self.interned.setdefault(attr, attr)

    def covered(self, domain: str) -> bool:
        trusted = self.trusted
        return bool(trusted) and any(parent in trusted for parent in suffixes(domain))

    def full(self, source: str) -> bool:
        if len(self.suffix) + len(self.exact) < self.max_rules:
            return False
        self.capped[source] = self.capped.get(source, 0) + 1
        return True

    def add_listed(
        self, domain: str, kind: str, attr: Attribution, functions: tuple[str, ...]
    ) -> None:
        """Keep a held-back function name (the first list to name it attributes it)."""
        if domain not in self.listed:
            self.listed[domain] = Listed(kind, self.intern(attr), functions)

    def add_allow(self, allow: AllowInfo) -> None:
        if allow.id not in self.allow_ids:
            self.allow_ids.add(allow.id)
            self.allows.append(allow)

    def trust_current(self) -> None:
        """Rules added so far cover the subtrees of later, less trusted sources."""
        self.trusted = set(self.suffix)


def _add_curated(builder: _Builder) -> None:
    for row in CURATED:
        if rule_domain_problem(row.domain) is not None:
            builder.skipped += 1
            continue
        attr = Attribution(
            row.company,
            row.category,
            "curated",
            tuple(row.vendors),
            tuple(row.devices),
            "high",
            row.source_note,
        )
        builder.suffix.setdefault(row.domain, builder.intern(attr))
    builder.trust_current()


def _add_perflyst(builder: _Builder) -> None:
    parsed = []
    for list_name in BUNDLED_LISTS:
        try:
            text = (DATA_DIR / list_name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            builder.notes.append(f"bundled list {list_name} could not be read")
            continue
        parsed.append(parse_blocklist(text, list_name))
    exceptions: set[str] = set()
    withheld: set[str] = set(WITHHELD)
    loaded: set[str] = set()
    for result in parsed:
        exceptions |= result.exceptions
        withheld.update(result.withheld)
        loaded.update(domain for domain, _ in result.rules)
    withheld -= loaded  # a shared-hosting name Perflyst loads is no held-back name
    # A rule on a parent of a name a list marks as needed, or of a name held back
    # (WITHHELD, a vendor function name), would block that name too.
    # A parent of an allow-listed name is the exception to the latter: it stays a suffix
    # rule (the allow rules win for the names they keep, and domains() leaves it out
    # while they hold; overriding the allow rule enforces it).
    protected = {parent for name in exceptions for parent in suffixes(name)}
    protected |= {
        parent
        for name in withheld
        for parent in suffixes(name)
        if parent != name and parent not in NEEDED
    }
    for result in parsed:
        builder.skipped += result.skipped_lines
        for domain, info, functions in result.listed:
            builder.add_listed(domain, "suffix", Attribution.of(info), functions)
        for domain, info in result.rules:
            if domain in builder.suffix or domain in builder.exact or builder.covered(domain):
                continue
            if rule_domain_problem(domain) is not None:
                builder.skipped += 1
                continue
            attr = builder.intern(Attribution.of(info))
            if domain in protected:
                # Pi-hole lines block one name; as a suffix rule this one would also
                # cover a name that must not be blocked: keep it for that name only.
                builder.excluded += 1
                if domain not in exceptions:
                    builder.exact[domain] = attr
                continue
            builder.suffix[domain] = attr
    builder.trust_current()


def _add_functional_allows(builder: _Builder) -> None:
    for row in FUNCTIONAL_ALLOW:
        builder.add_allow(
            AllowInfo(
                id=row.id,
                rule=row.domain,
                kind=row.kind,
                reason=row.reason,
                citation=row.citation,
                source="functional",
                vendors=tuple(row.vendors),
            )
        )


def _add_subscription(builder: _Builder, source: ListSource) -> ParseReport:
    result = parse_list(source.text, source.name, max_rules=source.max_rules)
    report = result.report
    if not report.accepted:
        return report
    label = f"list:{report.source}"
    category = source.category if source.category in CATEGORIES else "tracking"
    confidence = source.confidence if source.confidence in CONFIDENCES else "low"
    default_company = source.company or f"Unknown ({report.source})"
    citation = f"subscribed list {report.source}"
    important = result.important

    def attribution(domain: str) -> Attribution:
        return builder.intern(
            Attribution(
                owner_of(domain) or default_company,
                guess_category(domain, category),
                label,
                tuple(source.vendors),
                tuple(source.devices),
                confidence,
                citation,
                domain in important,
            )
        )

    spared: set[str] = set()
    if source.spare_vendor_functions:
        spared = {domain for domain in (*result.block, *result.block_exact) if held_back(domain)}
    # A suffix rule on a parent of a spared name would block it: that rule blocks its own name only.
    protected = {parent for name in spared for parent in suffixes(name)}
    for table, domains in ((builder.suffix, result.block), (builder.exact, result.block_exact)):
        kind = "suffix" if table is builder.suffix else "exact"
        for domain in domains:
            if domain in spared:
                functions = shown_function_words(domain)
                if functions:
                    builder.add_listed(domain, kind, attribution(domain), functions)
                continue
            target = builder.exact if domain in protected else table
            if domain in target or builder.covered(domain) or builder.full(report.source):
                continue
            target[domain] = attribution(domain)
    if spared:
        builder.notes.append(
            f"{len(spared)} rule(s) of {report.source} name a device function (store, images, "
            "update, sign-in ...) or a service a TV needs and were not loaded (the function "
            "names are shown as suspected, never blocked)"
        )
    reason = f"exception (@@) in subscribed list {report.source}"
    allow_groups = (("suffix", result.allow, "@@"), ("exact", result.allow_exact, "@@|"))
    for kind, domains, mark in allow_groups:
        for domain in domains:
            builder.add_allow(
                AllowInfo(
                    id=f"{label}:{mark}{domain}",
                    rule=domain,
                    kind=kind,
                    reason=reason,
                    citation=citation,
                    source=label,
                    important=domain in result.important_allow,
                )
            )
    return report


def compile_rules(
    sources: Sequence[ListSource] = (),
    *,
    bundled: bool = True,
    max_rules: int = DEFAULT_MAX_RULES,
    digest: str = "",
) -> CompiledRules:
    """Compile the bundled knowledge (unless ``bundled`` is False) and ``sources``.

    ``max_rules`` caps the total number of tracker rules; rules past the cap
    are not loaded and a note says how many. Blocking I/O when ``bundled``.
    """
    builder = _Builder(max_rules)
    if bundled:
        _add_curated(builder)
        _add_perflyst(builder)
        _add_functional_allows(builder)
    reports = [_add_subscription(builder, source) for source in sources]
    builder.notes.extend(
        f"total rule cap of {max_rules} reached: {count} rule(s) of {name} were not loaded"
        for name, count in builder.capped.items()
    )
    suffix: dict[str, dict[str, Attribution]] = {}
    for domain in sorted(builder.suffix):
        top, rest = split_rule(domain)
        suffix.setdefault(top, {})[rest] = builder.suffix[domain]
    exact = {domain: builder.exact[domain] for domain in sorted(builder.exact)}
    return CompiledRules(
        suffix,
        exact,
        builder.allows,
        skipped_lines=builder.skipped,
        excluded_rules=builder.excluded,
        reports=reports,
        notes=builder.notes,
        source_hash=digest,
        listed=builder.listed,
    )


def build_matcher(
    sources: Sequence[ListSource] = (),
    *,
    bundled: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    overrides: Iterable[object] = (),
    max_rules: int = DEFAULT_MAX_RULES,
    memo_size: int = DEFAULT_MEMO_SIZE,
) -> TrackerMatcher:
    """Build the matcher from the bundled knowledge and ``sources``. Blocking: use an executor.

    With ``cache_dir``, the compiled tables are loaded from
    ``cache_dir/snoop_guard_matcher.bin`` when its source hash matches, and
    otherwise compiled and written there atomically. Cache problems never fail
    the build; ``matcher.cache_status`` says what happened. ``overrides`` are
    allow-rule ids or domains not to honour (see
    :meth:`TrackerMatcher.with_overrides`); they do not affect the cache.
    Parse reports of ``sources`` are in ``matcher.reports``.
    """
    sources = tuple(sources)
    # Loads the Public Suffix List here, in the caller's executor job, so that later
    # lookups on the event loop (the scan detector's site_of) never read the file.
    psl.bundled()
    digest = source_hash(sources, bundled=bundled, max_rules=max_rules)
    tables: CompiledRules | None = None
    status = "built (no cache directory)"
    path = Path(cache_dir) / CACHE_FILE if cache_dir is not None else None
    if path is not None:
        try:
            tables = read_cache(path, digest)
            status = "loaded from cache"
        except FileNotFoundError:
            status = "built (no cache file yet)"
        except CacheError as err:
            status = f"rebuilt (cache unusable: {err})"
        except OSError as err:
            status = f"rebuilt (cache unreadable: {err.strerror or type(err).__name__})"
    if tables is None:
        tables = compile_rules(sources, bundled=bundled, max_rules=max_rules, digest=digest)
        if path is not None:
            try:
                write_cache(path, tables)
                status += "; cache written"
            except OSError as err:
                status += f"; cache not written: {err.strerror or type(err).__name__}"
    return TrackerMatcher(tables, overrides=overrides, memo_size=memo_size, cache_status=status)
