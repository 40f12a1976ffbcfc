"""The compiled matcher's on-disk cache: a checked binary file, no pickle or marshal.

:func:`.compiled.build_matcher` loads the tables from here when the source hash
matches and writes them after compiling. Format (version 2, all integers
little-endian)::

    header  "<4sHH32s32s5Q": magic b"SGTM", format version, flags (0),
            sha256 of the sources, sha256 of the payload, the 5 section lengths
    payload meta (JSON: attributions, top-level labels with rule counts,
            allow rules, list entries held back as device functions,
            parse reports, counters, index type code)
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
from collections.abc import Iterable
from itertools import islice
from pathlib import Path
from typing import Any

from .lists import ParseReport
from .model import AllowInfo
from .names import SAFE_DOMAIN_RE
from .ruletables import Attribution, CompiledRules, Listed
from .withheld import FUNCTION_WORDS

__all__ = [
    "CACHE_FORMAT_VERSION",
    "CacheError",
    "deserialize",
    "read_cache",
    "serialize",
    "write_cache",
]

CACHE_FORMAT_VERSION = 2
_MAGIC = b"SGTM"
_HEADER = struct.Struct("<4sHH32s32s5Q")
_RULE_BYTES = b"abcdefghijklmnopqrstuvwxyz0123456789-_.\n"


class CacheError(Exception):
    """The cache file cannot be used (the message says why)."""


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
    for held in tables.listed.values():
        index.setdefault(held.attr, len(index))
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
        "listed": [
            [name, held.kind, index[held.attr], list(held.functions)]
            for name, held in tables.listed.items()
        ],
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
        listed = _listed_from_json(meta["listed"], attrs)
    except (ValueError, TypeError, KeyError, IndexError, RecursionError) as err:
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
        listed=listed,
    )


def _listed_from_json(rows: Any, attrs: list[Attribution]) -> dict[str, Listed]:
    out: dict[str, Listed] = {}
    for name, kind, attr_index, functions in rows:
        if not isinstance(name, str) or not SAFE_DOMAIN_RE.fullmatch(name):
            raise ValueError("bad held-back name")
        if kind not in ("suffix", "exact") or type(attr_index) is not int or attr_index < 0:
            raise ValueError("bad held-back entry")
        if not isinstance(functions, list) or not functions:
            raise ValueError("bad held-back function words")
        if not all(isinstance(word, str) and word in FUNCTION_WORDS for word in functions):
            raise ValueError("bad held-back function words")
        out[name] = Listed(kind, attrs[attr_index], tuple(functions))
    return out


def read_cache(path: str | os.PathLike[str], expected_hash: str | None = None) -> CompiledRules:
    """Load the cache at ``path``; raise :class:`CacheError` or ``OSError``. Blocking I/O."""
    return deserialize(Path(path).read_bytes(), expected_hash)
