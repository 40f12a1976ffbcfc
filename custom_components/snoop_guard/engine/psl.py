"""The Public Suffix List: which names are public suffixes, and a name's registrable domain.

A *public suffix* is a name under which the public can register names of its
own: ``com``, ``co.uk``, ``com.pl``, ``gov.br``, but also platforms such as
``github.io`` or ``s3.amazonaws.com`` (the list's PRIVATE section). The
*registrable domain* of a name is its public suffix plus one label
(``x.example.co.uk`` -> ``example.co.uk``). This module parses the list format
(https://publicsuffix.org/list/) itself and answers both questions; every other
part of the engine asks here (:func:`registrable_domain`, :func:`is_too_broad`).

Rules, as the list's algorithm defines them: a rule matches a name when its
labels are the name's rightmost labels; ``*`` matches any one label (only as the
leftmost label of a rule); the prevailing rule is an exception rule (``!``) when
one matches, else the matching rule with the most labels, else ``*`` (the
top-level label). An exception rule's public suffix is the rule without its
leftmost label. ICANN and PRIVATE rules both count unless a caller asks for
ICANN only. Internationalised rules are stored in punycode (stdlib ``idna``
codec, as :func:`.names.normalize_domain` converts names), so lookups take the
normalised ASCII form.

Loading contract: nothing is read at import. The bundled snapshot
(``data/public_suffix_list.dat``, about 340 KB, see ``data/SOURCES.json``) is
read and parsed on the first call of :func:`bundled` (or of a module-level
lookup function), once per process, under a lock. That first call is blocking
I/O plus some tens of milliseconds of CPU: Home Assistant code must make it in
an executor before the event loop uses any lookup. The knowledge build
(``compiled.build_matcher``) and ``ScanMonitor.async_start`` both do; after that
every lookup is a few dictionary probes.

Lookups never raise: they take normalised names (lower-case ASCII, no trailing
dot, as :func:`.names.normalize_domain` returns them) and give None or False for
anything else.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

__all__ = [
    "BUNDLED_FILE",
    "MAX_LIST_BYTES",
    "MAX_RULES",
    "PublicSuffixList",
    "bundled",
    "is_public_suffix",
    "is_too_broad",
    "public_suffix",
    "registrable_domain",
]

BUNDLED_FILE = Path(__file__).with_name("data") / "public_suffix_list.dat"
MAX_LIST_BYTES = 8 * 1024 * 1024
MAX_RULES = 100_000
_MAX_NAME = 253

# Flags per name in the table: the name is a plain rule, the base of a wildcard
# rule (``*.<name>``) or an exception rule (``!<name>``), from either section.
_PLAIN_ICANN = 1
_PLAIN_PRIVATE = 2
_WILD_ICANN = 4
_WILD_PRIVATE = 8
_EXCEPT_ICANN = 16
_EXCEPT_PRIVATE = 32
_ICANN = _PLAIN_ICANN | _WILD_ICANN | _EXCEPT_ICANN
_ANY = _ICANN | _PLAIN_PRIVATE | _WILD_PRIVATE | _EXCEPT_PRIVATE
_PLAIN = _PLAIN_ICANN | _PLAIN_PRIVATE
_WILD = _WILD_ICANN | _WILD_PRIVATE
_EXCEPT = _EXCEPT_ICANN | _EXCEPT_PRIVATE

_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_RULE_NAME_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_SECTION_RE = re.compile(r"//\s*===(BEGIN|END) (ICANN|PRIVATE) DOMAINS===")


def _ascii_rule(text: str) -> str | None:
    """Return the rule name in normalised punycode, or None when it cannot be one."""
    if not text.isascii():
        try:
            text = text.encode("idna").decode("ascii")
        except ValueError:  # UnicodeError is a ValueError
            return None
    text = text.lower()
    if len(text) > _MAX_NAME or not _RULE_NAME_RE.fullmatch(text):
        return None
    return text


def _parent(name: str) -> str | None:
    dot = name.find(".")
    return name[dot + 1 :] if dot >= 0 else None


class PublicSuffixList:
    """A parsed list; immutable after construction, safe to share between threads."""

    __slots__ = ("_broad", "_table", "_wild_bases", "icann_rules", "private_rules", "skipped")

    def __init__(self, text: str) -> None:
        """Parse list text (``//`` comments, one rule per line; never raises).

        Lines that are not rules (bad characters, ``*`` anywhere but leftmost, too
        long) are counted in :attr:`skipped`; text beyond :data:`MAX_LIST_BYTES`
        characters and rules beyond :data:`MAX_RULES` are ignored.
        """
        table: dict[str, int] = {}
        self.icann_rules = 0
        self.private_rules = 0
        self.skipped = 0
        private = False  # rules outside the marked sections count as ICANN
        text = text[:MAX_LIST_BYTES] if isinstance(text, str) else ""
        for raw in text.splitlines():
            line = raw.strip()
            if not line:
                continue
            if line.startswith("//"):
                marker = _SECTION_RE.match(line)
                if marker is not None:
                    private = marker.group(1) == "BEGIN" and marker.group(2) == "PRIVATE"
                continue
            if self.icann_rules + self.private_rules >= MAX_RULES:
                self.skipped += 1
                continue
            flag, name = self._parse_rule(line.split()[0], private=private)
            if name is None:
                self.skipped += 1
                continue
            table[name] = table.get(name, 0) | flag
            if private:
                self.private_rules += 1
            else:
                self.icann_rules += 1
        self._table = table
        self._wild_bases = frozenset(name for name, flags in table.items() if flags & _WILD)
        # Names at or above a public suffix: a plain rule, a wildcard base (every child
        # is a suffix) and every ancestor of either. Exceptions are registrable.
        broad: set[str] = set()
        for name, flags in table.items():
            if not flags & (_PLAIN | _WILD):
                continue
            current: str | None = name
            while current is not None and current not in broad:
                broad.add(current)
                current = _parent(current)
        self._broad = frozenset(broad)

    @staticmethod
    def _parse_rule(token: str, *, private: bool) -> tuple[int, str | None]:
        if token.startswith("!"):
            return (_EXCEPT_PRIVATE if private else _EXCEPT_ICANN), _ascii_rule(token[1:])
        if token.startswith("*."):
            return (_WILD_PRIVATE if private else _WILD_ICANN), _ascii_rule(token[2:])
        return (_PLAIN_PRIVATE if private else _PLAIN_ICANN), _ascii_rule(token)

    @classmethod
    def from_file(cls, path: str | Path) -> PublicSuffixList:
        """Read and parse a list file (UTF-8). Blocking I/O; raises OSError."""
        with Path(path).open(encoding="utf-8", errors="replace") as file:
            return cls(file.read(MAX_LIST_BYTES))

    def __len__(self) -> int:
        """Return the number of rules parsed (both sections)."""
        return self.icann_rules + self.private_rules

    def suffix_labels(self, name: str, *, private: bool = True) -> int:
        """Return how many labels the public suffix of a normalised ``name`` has (0: invalid).

        ``private=False`` applies the ICANN section only.
        """
        if not isinstance(name, str) or not name or len(name) > _MAX_NAME:
            return 0
        labels = name.split(".")
        if not all(labels):
            return 0
        mask = _ANY if private else _ICANN
        table = self._table
        count = len(labels)
        best = 1  # the implicit "*" rule
        start = 0
        for index in range(count):
            flags = table.get(name[start:], 0) & mask
            start += len(labels[index]) + 1
            if not flags:
                continue
            if flags & _EXCEPT:
                return count - index - 1  # an exception rule prevails
            if flags & _PLAIN:
                best = max(best, count - index)
            if flags & _WILD and index > 0:
                best = max(best, count - index + 1)
        return best

    def is_listed(self, suffix: str) -> bool:
        """Return True when ``suffix`` is a rule of the list itself (not the implicit ``*``)."""
        return bool(self._table.get(suffix, 0))

    def public_suffix(self, name: str, *, private: bool = True) -> str | None:
        """Return the public suffix of a normalised ``name`` (``a.example.co.uk`` -> ``co.uk``)."""
        keep = self.suffix_labels(name, private=private)
        if not keep:
            return None
        labels = name.split(".")
        return ".".join(labels[-keep:])

    def registrable_domain(self, name: str, *, private: bool = True) -> str | None:
        """Return the public suffix plus one label; None when ``name`` is a public suffix."""
        keep = self.suffix_labels(name, private=private)
        labels = name.split(".") if keep else []
        if len(labels) <= keep:
            return None
        return ".".join(labels[-keep - 1 :])

    def is_public_suffix(self, name: str, *, private: bool = True) -> bool:
        """Tell whether a normalised ``name`` is a public suffix (``com.pl``, ``github.io``)."""
        keep = self.suffix_labels(name, private=private)
        return keep > 0 and keep == name.count(".") + 1

    def is_too_broad(self, name: str) -> bool:
        """Tell whether a rule for ``name`` would cover a public suffix (of either section).

        That is: ``name`` is a public suffix, or some public suffix lies below it
        (``amazonaws.com`` above ``s3.amazonaws.com``; ``kawasaki.jp`` above
        ``*.kawasaki.jp``). Exception names (``www.ck``) are registrable. A few
        set probes; ``name`` must be normalised.
        """
        if not isinstance(name, str) or not name:
            return False
        if name in self._broad:
            return True
        parent = _parent(name)
        if parent is None:
            return True  # a top-level label: the implicit "*" rule
        if parent in self._wild_bases:
            return not self._table.get(name, 0) & _EXCEPT
        return False


_LOCK = threading.Lock()
_BUNDLED: PublicSuffixList | None = None


def bundled() -> PublicSuffixList:
    """Return the bundled snapshot, read on the first call (blocking: see the module doc).

    An unreadable file gives an empty list (only the implicit ``*`` rule), so
    the engine keeps working with top-level labels as the only suffixes.
    """
    global _BUNDLED  # noqa: PLW0603 - the one lazily built process-wide instance
    found = _BUNDLED
    if found is not None:
        return found
    with _LOCK:
        if _BUNDLED is None:
            try:
                _BUNDLED = PublicSuffixList.from_file(BUNDLED_FILE)
            except OSError:
                _BUNDLED = PublicSuffixList("")
        return _BUNDLED


def public_suffix(name: str) -> str | None:
    """:meth:`PublicSuffixList.public_suffix` of the bundled list."""
    return bundled().public_suffix(name)


def registrable_domain(name: str) -> str | None:
    """:meth:`PublicSuffixList.registrable_domain` of the bundled list (both sections)."""
    return bundled().registrable_domain(name)


def is_public_suffix(name: str) -> bool:
    """:meth:`PublicSuffixList.is_public_suffix` of the bundled list (both sections)."""
    return bundled().is_public_suffix(name)


def is_too_broad(name: str) -> bool:
    """:meth:`PublicSuffixList.is_too_broad` of the bundled list."""
    return bundled().is_too_broad(name)
