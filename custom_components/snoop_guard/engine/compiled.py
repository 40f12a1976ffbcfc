"""Building the tracker knowledge base into a matcher, and its on-disk cache.

:func:`build_matcher` is what the Home Assistant side calls (in an executor):
it hashes the sources (bundled data, subscribed list texts, and the engine code
that interprets them), loads the compiled cache when the hash matches, and
otherwise compiles the sources and writes the cache atomically.

Source precedence: curated rules, then the Perflyst lists, then subscriptions
in the order given. The first source to list a domain names it; a rule that a
more trusted source already covers (the same domain or a parent suffix) is
left out, so curated attribution wins for the whole subtree.

Cache file format (version 1, all integers little-endian), written and read
here (no pickle or marshal)::

    header  "<4sHH32s32s5Q": magic b"SGTM", format version, flags (0),
            sha256 of the sources, sha256 of the payload, the 5 section lengths
    payload meta (JSON: attributions, top-level labels with rule counts,
            allow rules, parse reports, counters, index type code)
            suffix rules: ASCII, the rest of each rule (without its top-level
            label), newline-separated, grouped by top-level label in meta order
            suffix attribution indexes: array of uint16 or uint32
            exact rules: ASCII whole names, newline-separated
            exact attribution indexes

A file with a wrong magic, version, source hash, payload hash, sizes or
characters outside ``[a-z0-9._-]`` in the rule sections is ignored and rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
import sys
import tempfile
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from .allowlist import FUNCTIONAL_ALLOW
from .curated import CURATED
from .lists import DEFAULT_MAX_RULES, ParseReport, parse_list
from .model import CATEGORIES, CONFIDENCES, AllowInfo
from .names import rule_domain_problem, suffixes
from .perflyst import BUNDLED_LISTS, guess_category, owner_of, parse_blocklist
from .trackers import DEFAULT_MEMO_SIZE, Attribution, CompiledRules, TrackerMatcher, split_rule

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

CACHE_FORMAT_VERSION = 1
CACHE_FILE = "snoop_guard_matcher.bin"
DATA_DIR = Path(__file__).with_name("data")
_MAGIC = b"SGTM"
_HEADER = struct.Struct("<4sHH32s32s5Q")
_RULE_BYTES = b"abcdefghijklmnopqrstuvwxyz0123456789-_.\n"
# Engine modules whose code decides what the compiled tables contain.
_CODE_FILES = (
    "names.py",
    "model.py",
    "lists.py",
    "perflyst.py",
    "curated.py",
    "allowlist.py",
    "trackers.py",
    "compiled.py",
)


class CacheError(Exception):
    """The cache file cannot be used (the message says why)."""


@dataclass(frozen=True, slots=True)
class ListSource:
    """A subscribed list as downloaded by the caller.

    ``name`` identifies the list in attributions (``source`` becomes
    ``"list:<name>"``) and in allow-rule ids. ``category`` is the category
    given to its rules when the domain does not suggest one; ``company`` the
    company when the domain's owner is not known.
    """

    name: str
    text: str
    category: str = "tracking"
    company: str | None = None
    confidence: str = "low"
    vendors: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    max_rules: int = DEFAULT_MAX_RULES

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, name: str | None = None) -> ListSource:
        """Read a list file (UTF-8, undecodable bytes replaced). Blocking I/O."""
        file = Path(path)
        return cls(name=name or file.name, text=file.read_text(encoding="utf-8", errors="replace"))


def _identity(source: ListSource) -> list[Any]:
    return [
        source.name,
        source.category,
        source.company,
        source.confidence,
        list(source.vendors),
        list(source.devices),
        source.max_rules,
    ]


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

    chunk(f"snoop-guard-matcher {CACHE_FORMAT_VERSION} {bundled} {max_rules}".encode())
    here = Path(__file__).parent
    for name in _CODE_FILES:
        chunk(name.encode())
        try:
            chunk((here / name).read_bytes())
        except OSError:
            chunk(b"missing")
    if bundled:
        for name in BUNDLED_LISTS:
            chunk(name.encode())
            try:
                chunk((DATA_DIR / name).read_bytes())
            except OSError:
                chunk(b"missing")
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
    for result in parsed:
        exceptions |= result.exceptions
    protected = {parent for exception in exceptions for parent in suffixes(exception)}
    for result in parsed:
        builder.skipped += result.skipped_lines
        for domain, info in result.rules:
            if domain in builder.suffix or domain in builder.exact or builder.covered(domain):
                continue
            if rule_domain_problem(domain) is not None:
                builder.skipped += 1
                continue
            attr = builder.intern(Attribution.of(info))
            if domain in protected:
                # Pi-hole lines block one name; as a suffix rule this one would also
                # cover a name the list marks as needed: keep it for that name only.
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

    for domain in result.block:
        if domain in builder.suffix or builder.covered(domain):
            continue
        if builder.full(report.source):
            continue
        builder.suffix[domain] = attribution(domain)
    for domain in result.block_exact:
        if domain in builder.exact or builder.covered(domain):
            continue
        if builder.full(report.source):
            continue
        builder.exact[domain] = attribution(domain)
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
    )


# ---------------------------------------------------------------------------
# Cache file
# ---------------------------------------------------------------------------


def _attr_to_json(attr: Attribution) -> list[Any]:
    return [
        attr.company,
        attr.category,
        attr.source,
        list(attr.vendors),
        list(attr.devices),
        attr.confidence,
        attr.citation,
        attr.important,
    ]


def _attr_from_json(row: Any) -> Attribution:
    company, category, source, vendors, devices, confidence, citation, important = row
    return Attribution(
        str(company),
        str(category),
        str(source),
        tuple(str(v) for v in vendors),
        tuple(str(d) for d in devices),
        str(confidence),
        str(citation),
        bool(important),
    )


def _allow_to_json(allow: AllowInfo) -> list[Any]:
    return [
        allow.id,
        allow.rule,
        allow.kind,
        allow.reason,
        allow.citation,
        allow.source,
        list(allow.vendors),
        allow.important,
    ]


def _allow_from_json(row: Any) -> AllowInfo:
    ident, rule, kind, reason, citation, source, vendors, important = row
    return AllowInfo(
        id=str(ident),
        rule=str(rule),
        kind=str(kind),
        reason=str(reason),
        citation=str(citation),
        source=str(source),
        vendors=tuple(str(v) for v in vendors),
        important=bool(important),
    )


def _index_array(values: Iterable[int], count: int) -> array[int]:
    out = array("H" if count <= 0xFFFF else "I", values)
    if sys.byteorder == "big":
        out.byteswap()
    return out


def serialize(tables: CompiledRules) -> bytes:
    """Return the cache file bytes for ``tables`` (header included)."""
    index: dict[Attribution, int] = {}
    for table in (*tables.suffix.values(), tables.exact):
        for attr in table.values():
            index.setdefault(attr, len(index))
    suffix_names = "\n".join(rest for table in tables.suffix.values() for rest in table)
    suffix_ids = _index_array(
        (index[attr] for table in tables.suffix.values() for attr in table.values()), len(index)
    )
    exact_names = "\n".join(tables.exact)
    exact_ids = _index_array((index[attr] for attr in tables.exact.values()), len(index))
    meta = {
        "attrs": [_attr_to_json(attr) for attr in index],
        "tlds": [[top, len(table)] for top, table in tables.suffix.items()],
        "exact": len(tables.exact),
        "index_type": suffix_ids.typecode,
        "allows": [_allow_to_json(allow) for allow in tables.allows],
        "reports": [report.to_dict() for report in tables.reports],
        "notes": list(tables.notes),
        "skipped_lines": tables.skipped_lines,
        "excluded_rules": tables.excluded_rules,
    }
    sections = [
        json.dumps(meta, ensure_ascii=True, separators=(",", ":")).encode("ascii"),
        suffix_names.encode("ascii"),
        suffix_ids.tobytes(),
        exact_names.encode("ascii"),
        exact_ids.tobytes(),
    ]
    payload = b"".join(sections)
    try:
        digest = bytes.fromhex(tables.source_hash)
    except ValueError:
        digest = b""
    header = _HEADER.pack(
        _MAGIC,
        CACHE_FORMAT_VERSION,
        0,
        digest.ljust(32, b"\0")[:32],
        hashlib.sha256(payload).digest(),
        *(len(section) for section in sections),
    )
    return header + payload


def write_cache(path: str | os.PathLike[str], tables: CompiledRules) -> None:
    """Write ``tables`` to ``path`` atomically (temporary file, fsync, rename)."""
    target = Path(path)
    data = serialize(tables)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp_name).replace(target)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp_name).unlink()
        raise


def _names(section: memoryview) -> list[str]:
    if not section:
        return []
    raw = bytes(section)
    if raw.translate(None, _RULE_BYTES):
        raise CacheError("unexpected characters in the rule section")
    return raw.decode("ascii").split("\n")


def _indexes(section: memoryview, typecode: str) -> array[int]:
    out = array(typecode)
    if len(section) % out.itemsize:
        raise CacheError("index section has a partial entry")
    out.frombytes(section)
    if sys.byteorder == "big":
        out.byteswap()
    return out


def deserialize(data: bytes, expected_hash: str | None = None) -> CompiledRules:
    """Rebuild tables from cache bytes; raise :class:`CacheError` when unusable."""
    if len(data) < _HEADER.size:
        raise CacheError("file too short")
    magic, version, _flags, digest, payload_hash, *lengths = _HEADER.unpack_from(data)
    if magic != _MAGIC:
        raise CacheError("not a Snoop Guard matcher cache")
    if version != CACHE_FORMAT_VERSION:
        raise CacheError(f"format version {version}, expected {CACHE_FORMAT_VERSION}")
    if expected_hash is not None and digest.hex() != expected_hash:
        raise CacheError("sources changed")
    view = memoryview(data)[_HEADER.size :]
    if sum(lengths) != len(view):
        raise CacheError("section sizes do not add up")
    if hashlib.sha256(view).digest() != payload_hash:
        raise CacheError("payload checksum mismatch")
    sections: list[memoryview] = []
    offset = 0
    for length in lengths:
        sections.append(view[offset : offset + length])
        offset += length
    try:
        meta = json.loads(bytes(sections[0]))
        attrs = [_attr_from_json(row) for row in meta["attrs"]]
        tlds = [(str(top), int(count)) for top, count in meta["tlds"]]
        exact_count = int(meta["exact"])
        typecode = str(meta["index_type"])
        allows = [_allow_from_json(row) for row in meta["allows"]]
        reports = [ParseReport.from_dict(report) for report in meta["reports"]]
        notes = [str(note) for note in meta["notes"]]
        skipped = int(meta["skipped_lines"])
        excluded = int(meta["excluded_rules"])
    except (ValueError, TypeError, KeyError) as err:
        raise CacheError(f"bad metadata ({type(err).__name__})") from None
    if typecode not in ("H", "I"):
        raise CacheError("bad index type")
    names = _names(sections[1])
    ids = _indexes(sections[2], typecode)
    exact_names = _names(sections[3])
    exact_ids = _indexes(sections[4], typecode)
    if not (len(names) == len(ids) == sum(count for _, count in tlds)):
        raise CacheError("suffix section sizes disagree")
    if not (len(exact_names) == len(exact_ids) == exact_count):
        raise CacheError("exact section sizes disagree")
    if (ids and max(ids) >= len(attrs)) or (exact_ids and max(exact_ids) >= len(attrs)):
        raise CacheError("attribution index out of range")
    pairs = zip(names, map(attrs.__getitem__, ids), strict=True)
    suffix = {top: dict(islice(pairs, count)) for top, count in tlds}
    exact = dict(zip(exact_names, map(attrs.__getitem__, exact_ids), strict=True))
    return CompiledRules(
        suffix,
        exact,
        allows,
        skipped_lines=skipped,
        excluded_rules=excluded,
        reports=reports,
        notes=notes,
        source_hash=digest.hex(),
    )


def read_cache(path: str | os.PathLike[str], expected_hash: str | None = None) -> CompiledRules:
    """Load the cache at ``path``; raise :class:`CacheError` or ``OSError``. Blocking I/O."""
    return deserialize(Path(path).read_bytes(), expected_hash)


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
