"""Parsers for subscribed block lists, with a report of what could not be honoured.

Supported syntaxes, line by line (a list may mix them):

* plain domains: ``tracker.example.com`` (optionally ``# comment`` after it);
* hosts files: ``0.0.0.0 x.com``, ``127.0.0.1 x.com y.com``, ``:: x.com``,
  ``::1 x.com`` (``localhost`` and similar boilerplate is ignored);
* wildcards: ``*.example.com``;
* adblock domain rules: ``||example.com^``, ``@@||example.com^`` (exception:
  an allow rule), ``|example.com^`` (that exact name only), with the options
  ``$important``, ``$all`` and ``$match-case``, which mean the same for DNS.

Rule semantics are dnsmasq's: a rule covers the name and every subdomain, as
an ``nftset=/example.com/`` line would. ``*.example.com`` is read as
``example.com`` (dnsmasq cannot express "subdomains only"), and ``||x.com``
without ``^`` as ``||x.com^`` (a DNS name ends where the rule does; the
adblock prefix match on longer host names is not reproduced, which can only
block less).

Lines that cannot be honoured for DNS are never guessed at; they are counted
per kind in :class:`ParseReport`: ``regex`` (``/.../``), ``cosmetic``
(``##``, ``#@#``, ``#?#``, ...), ``path`` (``||x.com/ads``), ``third-party``
(``$third-party``/``$1p``...), ``domain-option`` (``$domain=``), ``type-option``
(``$script``...), ``dns-option`` (``$client``, ``$dnsrewrite``...),
``other-option``, ``wildcard-pattern`` (``ads*.x.com``), ``url`` (``|https://``,
``http://x/``) and ``hosts-redirect`` (a hosts line pointing at a real address).
Entries that are not valid rules are counted as ``invalid-domain``,
``single-label``, ``ip-address``, ``too-broad`` (public suffixes and shared
hosting such as ``cloudfront.net``) or ``garbage`` (no known syntax).

A list is rejected (``accepted`` False, with a ``reason``) when it is binary,
an HTML page, over the size caps, mostly garbage, or has no usable rule.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .names import FAST_RULE_RE, check_domain, rule_domain_problem

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_RULES",
    "ParseReport",
    "ParseResult",
    "parse_list",
]

DEFAULT_MAX_RULES = 2_000_000
DEFAULT_MAX_BYTES = 128 * 1024 * 1024
GARBAGE_LIMIT = 0.5  # reject a list when more than half of its rule lines are garbage
_EXAMPLES_PER_KIND = 3
_EXAMPLE_CHARS = 120

_HOSTS_SINKS = frozenset({"0.0.0.0", "127.0.0.1", "::", "::1", "0", "0:0:0:0:0:0:0:0"})  # noqa: S104
_HOSTS_BOILERPLATE = frozenset(
    {
        *("localhost", "localhost.localdomain", "local", "broadcasthost", "localdomain"),
        *("ip6-localhost", "ip6-loopback", "ip6-localnet", "ip6-mcastprefix"),
        *("ip6-allnodes", "ip6-allrouters", "ip6-allhosts", "0.0.0.0"),  # noqa: S104
    }
)
_COSMETIC = ("##", "#@#", "#?#", "#@?#", "#$#", "#@$#", "#%#", "#@%#", "$$", "$@$")
_HONOURED_OPTIONS = frozenset({"important", "all", "match-case"})
_PARTY_OPTIONS = frozenset(
    {"third-party", "3p", "first-party", "1p", "strict1p", "strict3p", "strict-first-party"}
)
_DNS_OPTIONS = frozenset({"client", "ctag", "dnstype", "dnsrewrite", "denyallow", "badfilter"})
_TYPE_OPTIONS = frozenset(
    {
        *("script", "image", "stylesheet", "css", "object", "xmlhttprequest", "xhr"),
        *("subdocument", "frame", "ping", "websocket", "webrtc", "document", "doc"),
        *("font", "media", "other", "popup", "popunder", "elemhide", "ehide", "generichide"),
        *("ghide", "specifichide", "shide", "genericblock", "inline-script", "inline-font"),
        *("object-subrequest", "beacon", "csp", "content", "jsinject", "urlblock"),
        *("extension", "stealth", "cookie", "network", "empty", "mp4"),
    }
)
_DOMAIN_OPTIONS = ("domain", "from", "to", "method", "header", "app")


@dataclass(frozen=True, slots=True)
class ParseReport:
    """What parsing one list found, for the UI and for support."""

    source: str
    accepted: bool
    reason: str | None
    format: str  # "domains", "hosts", "adblock", "wildcard", "mixed" or "unknown"
    lines: int
    comment_lines: int
    block_rules: int
    allow_rules: int
    duplicates: int
    ignored: Mapping[str, int] = field(default_factory=dict)
    unsupported: Mapping[str, int] = field(default_factory=dict)
    invalid: Mapping[str, int] = field(default_factory=dict)
    examples: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        return {
            "source": self.source,
            "accepted": self.accepted,
            "reason": self.reason,
            "format": self.format,
            "lines": self.lines,
            "comment_lines": self.comment_lines,
            "block_rules": self.block_rules,
            "allow_rules": self.allow_rules,
            "duplicates": self.duplicates,
            "ignored": dict(self.ignored),
            "unsupported": dict(self.unsupported),
            "invalid": dict(self.invalid),
            "examples": {kind: list(lines) for kind, lines in self.examples.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ParseReport:
        """Rebuild a report written by :meth:`to_dict` (raises on a malformed dict)."""

        def counts(value: object) -> dict[str, int]:
            if not isinstance(value, dict):
                raise TypeError("counts")
            return {str(k): int(v) for k, v in value.items()}

        examples = data.get("examples", {})
        if not isinstance(examples, dict):
            raise TypeError("examples")
        reason = data.get("reason")
        return cls(
            source=str(data["source"]),
            accepted=bool(data["accepted"]),
            reason=None if reason is None else str(reason),
            format=str(data["format"]),
            lines=int(data["lines"]),
            comment_lines=int(data["comment_lines"]),
            block_rules=int(data["block_rules"]),
            allow_rules=int(data["allow_rules"]),
            duplicates=int(data["duplicates"]),
            ignored=counts(data.get("ignored", {})),
            unsupported=counts(data.get("unsupported", {})),
            invalid=counts(data.get("invalid", {})),
            examples={str(k): tuple(str(x) for x in v) for k, v in examples.items()},
        )

    def summary(self) -> str:
        """One line in words, e.g. for a repair issue or a log message."""
        state = "accepted" if self.accepted else f"rejected: {self.reason}"
        parts = [f"{self.source}: {state}", f"format {self.format}"]
        parts.append(f"{self.block_rules} block and {self.allow_rules} allow rules")
        skipped = {**self.unsupported, **self.invalid}
        if skipped:
            detail = ", ".join(f"{count} {kind}" for kind, count in sorted(skipped.items()))
            parts.append(f"skipped {detail}")
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class ParseResult:
    """Rules found in one list. Empty when the list was rejected."""

    report: ParseReport
    block: tuple[str, ...] = ()  # suffix rules (the name and its subdomains)
    block_exact: tuple[str, ...] = ()  # that name only (``|x.com^``)
    allow: tuple[str, ...] = ()  # suffix exceptions (``@@||x.com^``)
    allow_exact: tuple[str, ...] = ()  # exact exceptions (``@@|x.com^``)
    important: frozenset[str] = frozenset()  # block rules marked ``$important``
    important_allow: frozenset[str] = frozenset()  # exceptions marked ``$important``


def _printable(text: str) -> str:
    text = text[:_EXAMPLE_CHARS]
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in text)


class _Collector:
    """Mutable state of one parse (internal)."""

    __slots__ = (
        "allow",
        "allow_exact",
        "block",
        "block_exact",
        "comments",
        "duplicates",
        "examples",
        "families",
        "ignored",
        "important",
        "important_allow",
        "invalid",
        "rule_lines",
        "unsupported",
    )

    def __init__(self) -> None:
        self.block: dict[str, None] = {}
        self.block_exact: dict[str, None] = {}
        self.allow: dict[str, None] = {}
        self.allow_exact: dict[str, None] = {}
        self.important: set[str] = set()
        self.important_allow: set[str] = set()
        self.ignored: dict[str, int] = {}
        self.unsupported: dict[str, int] = {}
        self.invalid: dict[str, int] = {}
        self.examples: dict[str, list[str]] = {}
        self.families: dict[str, int] = {}
        self.comments = 0
        self.duplicates = 0
        self.rule_lines = 0

    def count(self, bucket: dict[str, int], kind: str, number: int, line: str) -> None:
        bucket[kind] = bucket.get(kind, 0) + 1
        samples = self.examples.setdefault(kind, [])
        if len(samples) < _EXAMPLES_PER_KIND:
            samples.append(f"{number}: {_printable(line)}")

    def family(self, name: str) -> None:
        self.families[name] = self.families.get(name, 0) + 1

    def add(self, domain: str, *, exact: bool, allow: bool) -> None:
        if allow:
            table = self.allow_exact if exact else self.allow
        else:
            table = self.block_exact if exact else self.block
        if domain in table:
            self.duplicates += 1
        else:
            table[domain] = None

    def total_rules(self) -> int:
        return len(self.block) + len(self.block_exact) + len(self.allow) + len(self.allow_exact)


def _rule_domain(token: str) -> tuple[str | None, str | None]:
    """Return ``(domain, None)`` for a usable rule domain, else ``(None, kind)``."""
    if len(token) <= 253 and FAST_RULE_RE.fullmatch(token):
        problem = rule_domain_problem(token)
        return (None, problem) if problem else (token, None)
    domain, reason = check_domain(token)
    if domain is None:
        if reason is not None and reason.startswith("character"):
            return None, "garbage"
        if "." not in token.strip("."):
            return None, "single-label"
        return None, "invalid-domain"
    problem = rule_domain_problem(domain)
    return (None, problem) if problem else (domain, None)


def _is_ip(token: str) -> bool:
    if not token or not (token[0].isdigit() or ":" in token):
        return False
    try:
        ipaddress.ip_address(token.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _options_problem(options: str) -> tuple[str | None, bool]:
    """Return ``(unsupported kind or None, important)`` for an adblock option string."""
    important = False
    for raw in options.split(","):
        option = raw.strip().lower()
        name = option.lstrip("~").split("=", 1)[0]
        if not option:
            continue
        if option in _HONOURED_OPTIONS:
            important = important or option == "important"
            continue
        if name in _PARTY_OPTIONS:
            return "third-party", important
        if name in _DOMAIN_OPTIONS:
            return "domain-option", important
        if name in _DNS_OPTIONS:
            return "dns-option", important
        if name in _TYPE_OPTIONS:
            return "type-option", important
        return "other-option", important
    return None, important


def _parse_adblock(line: str, number: int, out: _Collector) -> None:
    allow = line.startswith("@@")
    body = line[2:] if allow else line
    if body.startswith("/") and len(body) > 1:
        end = body.rfind("/")
        out.count(out.unsupported, "regex" if end > 0 else "path", number, line)
        return
    important = False
    dollar = body.rfind("$")
    if dollar != -1:
        problem, important = _options_problem(body[dollar + 1 :])
        if problem is not None:
            out.count(out.unsupported, problem, number, line)
            return
        body = body[:dollar]
    exact = False
    if body.startswith("||"):
        host = body[2:]
    elif body.startswith("|"):
        host = body[1:]
        exact = True
        if host.endswith("|"):
            host = host[:-1]
    else:
        host = body
    if "://" in host or host.startswith(("http:", "https:")):
        out.count(out.unsupported, "url", number, line)
        return
    if host.endswith("|"):
        host = host[:-1]
    if host.endswith("^"):
        host = host[:-1]
    if not host:
        out.count(out.invalid, "garbage", number, line)
        return
    if "^" in host or "/" in host or ":" in host or "?" in host or "=" in host:
        out.count(out.unsupported, "path", number, line)
        return
    if "*" in host:
        if host.startswith("*.") and "*" not in host[2:] and not exact:
            host = host[2:]
        else:
            out.count(out.unsupported, "wildcard-pattern", number, line)
            return
    domain, problem = _rule_domain(host)
    if domain is None:
        out.count(out.invalid, problem or "invalid-domain", number, line)
        return
    out.add(domain, exact=exact, allow=allow)
    if important:
        (out.important_allow if allow else out.important).add(domain)


def _parse_hosts(tokens: list[str], number: int, line: str, out: _Collector) -> None:
    if tokens[0] not in _HOSTS_SINKS:
        if all(token.lower() in _HOSTS_BOILERPLATE for token in tokens[1:]):
            out.ignored["hosts-boilerplate"] = out.ignored.get("hosts-boilerplate", 0) + 1
        else:
            out.count(out.unsupported, "hosts-redirect", number, line)
        return
    for token in tokens[1:]:
        if token.lower() in _HOSTS_BOILERPLATE:
            out.ignored["hosts-boilerplate"] = out.ignored.get("hosts-boilerplate", 0) + 1
            continue
        domain, problem = _rule_domain(token)
        if domain is None:
            out.count(out.invalid, problem or "invalid-domain", number, line)
            continue
        out.add(domain, exact=False, allow=False)


def _parse_line(line: str, number: int, out: _Collector) -> None:
    """Parse one stripped, non-empty, non-comment line."""
    # Fast path: a plain, already normalised domain (the bulk of most lists).
    if FAST_RULE_RE.fullmatch(line) and len(line) <= 253:
        out.family("domains")
        problem = rule_domain_problem(line)
        if problem:
            out.count(out.invalid, problem, number, line)
        else:
            out.add(line, exact=False, allow=False)
        return
    if any(marker in line for marker in _COSMETIC):
        out.family("adblock")
        out.count(out.unsupported, "cosmetic", number, line)
        return
    if line[0] in "|@/" or (line.startswith("*.") and line.endswith("^")):
        out.family("adblock")
        _parse_adblock(line, number, out)
        return
    text = line
    if " #" in text or "\t#" in text:
        text = text.split("#", 1)[0].strip()  # inline comment of a domains/hosts line
    tokens = text.split()
    if not tokens:
        out.comments += 1
        return
    if len(tokens) >= 2 and _is_ip(tokens[0]):
        out.family("hosts")
        _parse_hosts(tokens, number, line, out)
        return
    if len(tokens) != 1:
        out.count(out.invalid, "garbage", number, line)
        return
    token = tokens[0]
    if "$" in token or token.endswith("^"):
        out.family("adblock")
        _parse_adblock(token, number, out)
        return
    if "*" in token:
        out.family("wildcard")
        if token.startswith("*.") and "*" not in token[2:]:
            domain, problem = _rule_domain(token[2:])
            if domain is None:
                out.count(out.invalid, problem or "invalid-domain", number, line)
            else:
                out.add(domain, exact=False, allow=False)
        else:
            out.count(out.unsupported, "wildcard-pattern", number, line)
        return
    if "://" in token:
        out.count(out.unsupported, "url", number, line)
        return
    if _is_ip(token):
        out.count(out.invalid, "ip-address", number, line)
        return
    domain, problem = _rule_domain(token)
    if domain is not None:
        out.family("domains")
        out.add(domain, exact=False, allow=False)
        return
    out.count(out.invalid, problem or "garbage", number, line)


def _is_comment(line: str) -> bool:
    if line[0] == "!" or (line[0] == "[" and line.endswith("]")):
        return True
    if line[0] != "#":
        return False
    # "##.ad-banner" and "#@#x" are cosmetic adblock rules, "## Title" is a comment.
    return not (len(line) > 2 and line[1] in "#@?$%" and not line[2].isspace())


def _format(families: Mapping[str, int]) -> str:
    total = sum(families.values())
    if not total:
        return "unknown"
    name, count = max(families.items(), key=lambda item: item[1])
    return name if count >= 0.9 * total else "mixed"


def _looks_like_markup(text: str) -> bool:
    head = text.lstrip()[:256].lower()
    return head.startswith(("<!doctype", "<html", "<?xml", "<head", "<body", "<rss", "<feed"))


def parse_list(
    text: str,
    source: str,
    *,
    max_rules: int = DEFAULT_MAX_RULES,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ParseResult:
    """Parse one block list in any supported syntax; never raises.

    ``source`` names the list in reports and rule attributions. ``max_rules``
    caps the number of rules and ``max_bytes`` the size of ``text`` (in
    characters); a list over either cap is rejected rather than cut short.
    """
    name = _printable(source)
    if len(text) > max_bytes:
        return ParseResult(_rejected(name, f"larger than the size cap of {max_bytes} bytes"))
    if "\x00" in text:
        return ParseResult(_rejected(name, "binary data, not a text list"))
    if _looks_like_markup(text):
        return ParseResult(_rejected(name, "an HTML/XML page, not a list"))
    out = _Collector()
    lines = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        lines = number
        line = raw.strip()
        if not line:
            continue
        if _is_comment(line):
            out.comments += 1
            continue
        out.rule_lines += 1
        _parse_line(line, number, out)
        if out.total_rules() > max_rules:
            return ParseResult(
                _rejected(name, f"more than the cap of {max_rules} rules", lines=number)
            )
    report = _report(name, out, lines)
    if not report.accepted:
        return ParseResult(report)
    return ParseResult(
        report=report,
        block=tuple(out.block),
        block_exact=tuple(out.block_exact),
        allow=tuple(out.allow),
        allow_exact=tuple(out.allow_exact),
        important=frozenset(out.important),
        important_allow=frozenset(out.important_allow),
    )


def _rejected(source: str, reason: str, *, lines: int = 0) -> ParseReport:
    return ParseReport(
        source=source,
        accepted=False,
        reason=reason,
        format="unknown",
        lines=lines,
        comment_lines=0,
        block_rules=0,
        allow_rules=0,
        duplicates=0,
    )


def _report(source: str, out: _Collector, lines: int) -> ParseReport:
    block = len(out.block) + len(out.block_exact)
    allow = len(out.allow) + len(out.allow_exact)
    garbage = out.invalid.get("garbage", 0)
    reason: str | None = None
    if out.rule_lines and garbage > GARBAGE_LIMIT * out.rule_lines:
        first = out.examples.get("garbage", ["?"])[0]
        reason = (
            f"mostly garbage: {garbage} of {out.rule_lines} rule lines are in no supported "
            f"list format (first: line {first})"
        )
    elif not block and not allow:
        skipped = sum(out.unsupported.values()) + sum(out.invalid.values())
        reason = f"no rule usable for DNS ({skipped} lines skipped)" if skipped else "no rules"
    return ParseReport(
        source=source,
        accepted=reason is None,
        reason=reason,
        format=_format(out.families),
        lines=lines,
        comment_lines=out.comments,
        block_rules=block,
        allow_rules=allow,
        duplicates=out.duplicates,
        ignored=dict(out.ignored),
        unsupported=dict(out.unsupported),
        invalid=dict(out.invalid),
        examples={kind: tuple(samples) for kind, samples in out.examples.items()},
    )
