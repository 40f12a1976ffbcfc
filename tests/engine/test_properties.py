"""Property tests: nothing in the engine raises on arbitrary text."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.snoop_guard.engine.compiled import build_matcher
from custom_components.snoop_guard.engine.counters import Contact, ContactCounters
from custom_components.snoop_guard.engine.discovery import DhcpRecord, classify
from custom_components.snoop_guard.engine.dnslog import DnsmasqLogParser, LogCursor
from custom_components.snoop_guard.engine.routerdata import (
    display_name,
    normalize_mac,
    parse_dnsmasq_leases,
    parse_ip_neigh_json,
)
from custom_components.snoop_guard.engine.trackers import (
    SAFE_DOMAIN_RE,
    TrackerInfo,
    TrackerMatcher,
    normalize_domain,
)

# Any code point, lone surrogates included (they appear when bytes that are not
# UTF-8 are decoded with surrogateescape).
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)
LINE_PREFIXES = st.sampled_from(
    [
        "",
        "Nov 24 20:40:01 dnsmasq[4195]: ",
        "Tue Nov 24 20:40:01 2026 daemon.info dnsmasq[4195]: ",
        "Nov 24 20:40:01 dnsmasq[4195]: 1 198.18.0.189/32884 ",
        "Nov 24 20:40:01 dnsmasq[4195]: 1 198.18.0.189/32884 query[A] ",
        "Nov 24 20:40:01 dnsmasq[4195]: 1 198.18.0.189/32884 reply ",
        "Nov 24 20:40:01 dnsmasq[4195]: 1 198.18.0.189/32884 nftset add ",
        "Nov 24 20:40:06 dnsmasq-dhcp[4195]: 1234567 DHCPACK(br0) ",
        "dnsmasq[1]: query[AAAA] ",
    ]
)
DNS_LABEL = st.from_regex(r"[a-zA-Z0-9_-]{1,20}", fullmatch=True)
SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def matcher() -> TrackerMatcher:
    return build_matcher()


@SETTINGS
@given(prefix=LINE_PREFIXES, rest=ANY_TEXT)
def test_parse_line_never_raises(prefix: str, rest: str) -> None:
    parser = DnsmasqLogParser(now=lambda: datetime(2026, 11, 24, 21, 0))
    # The unguarded parser must not raise either: the guard is a last resort only.
    parser._parse(prefix + rest)
    event = parser.parse_line(prefix + rest)
    assert parser.parsed + parser.malformed + parser.ignored == 1
    if event is not None:
        assert len(event.line_key) == 16
        LogCursor().should_process(event)


@SETTINGS
@given(data=st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=20,
))  # fmt: skip
def test_from_dict_never_raises(data: object) -> None:
    LogCursor.from_dict(data)
    LogCursor.from_dict({"newest": data, "at_newest": data, "recent": data})
    counters = ContactCounters.from_dict(data)
    json.dumps(counters.to_dict())
    ContactCounters.from_dict({"devices": {"a": {"buckets": data, "last": data}}})


@SETTINGS
@given(name=ANY_TEXT)
def test_normalize_and_match_never_raise(matcher: TrackerMatcher, name: str) -> None:
    normalized = normalize_domain(name)
    if normalized is not None:
        assert normalized == normalized.lower()
        assert len(normalized) <= 253
        assert normalize_domain(normalized) == normalized
    matcher.match(name)
    matcher.match(name + ".gz-data.com")


@SETTINGS
@given(labels=st.lists(DNS_LABEL, min_size=1, max_size=4))
def test_subdomains_of_a_rule_match(matcher: TrackerMatcher, labels: list[str]) -> None:
    name = ".".join([*labels, "gz-data.com"])
    hit = matcher.match(name)
    if normalize_domain(name) is not None:
        assert hit is not None
        assert hit.company == "Gozen Data"


@SETTINGS
@given(rules=st.lists(st.tuples(ANY_TEXT, st.just(None)), max_size=20))
def test_from_rules_domains_are_safe(rules: list[tuple[str, None]]) -> None:
    info = TrackerInfo(rule="x", company="c", category="ads", source="test")
    matcher = TrackerMatcher.from_rules((domain, info) for domain, _ in rules)
    for domain in matcher.domains():
        assert SAFE_DOMAIN_RE.fullmatch(domain)


def test_bundled_domains_match_safe_regex(matcher: TrackerMatcher) -> None:
    for domain in matcher.domains():
        assert SAFE_DOMAIN_RE.fullmatch(domain)


@SETTINGS
@given(raw=st.none() | ANY_TEXT, fallback=st.text(min_size=1, max_size=10))
def test_display_name_never_raises(raw: str | None, fallback: str) -> None:
    label = display_name(raw, fallback)
    assert label == fallback or 0 < len(label) <= 64
    if label != fallback:
        assert not any(ch in label for ch in "\n\r\t\x00\x7f\u202e")


@SETTINGS
@given(text=ANY_TEXT, host=ANY_TEXT)
def test_leases_and_neigh_never_raise(text: str, host: str) -> None:
    parse_dnsmasq_leases(text)
    for lease in parse_dnsmasq_leases(f"1 58:b4:2d:11:22:33 198.18.0.1 {host} *\n{text}"):
        assert normalize_mac(lease.mac) == lease.mac
    parse_ip_neigh_json(text)
    parse_ip_neigh_json(json.dumps([{"dst": host, "lladdr": text, "dev": host, "state": host}]))


@SETTINGS
@given(hostname=st.none() | ANY_TEXT, mac=ANY_TEXT)
def test_classify_never_raises(hostname: str | None, mac: str) -> None:
    classify([DhcpRecord(mac=mac, hostname=hostname)], mac)
    classify([DhcpRecord(hostname=hostname)], "58:b4:2d:11:22:33")


@SETTINGS
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=3 * 86_400), min_size=1, max_size=50),
    now_offset=st.integers(min_value=0, max_value=4 * 86_400),
)
def test_counters_match_naive_model(offsets: list[int], now_offset: int) -> None:
    start = datetime(2026, 11, 24, tzinfo=UTC)
    counters = ContactCounters(dedupe=timedelta(0))
    accepted: list[int] = []
    newest_bucket: int | None = None
    for offset in sorted(offsets):
        when = start + timedelta(seconds=offset)
        assert counters.record("dev", Contact(when, f"d{offset}.com", "C", "ads"))
        accepted.append(offset)
        bucket = offset // 60
        newest_bucket = bucket if newest_bucket is None else max(newest_bucket, bucket)
    assert newest_bucket is not None
    horizon = max(now_offset // 60, newest_bucket) - 1440
    expected = sum(1 for offset in accepted if offset // 60 > horizon)
    assert counters.count("dev", start + timedelta(seconds=now_offset)) == expected
