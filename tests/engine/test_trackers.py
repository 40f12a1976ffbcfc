"""Tests for tracker knowledge and the matcher."""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.snoop_guard.engine import trackers
from custom_components.snoop_guard.engine.bundled import BUNDLED
from custom_components.snoop_guard.engine.compiled import ListSource, build_matcher
from custom_components.snoop_guard.engine.curated import CURATED
from custom_components.snoop_guard.engine.owners import KNOWN_OWNERS
from custom_components.snoop_guard.engine.trackers import (
    CATEGORIES,
    SAFE_DOMAIN_RE,
    TrackerInfo,
    TrackerMatcher,
    is_safe_rule_domain,
    normalize_domain,
    parse_blocklist,
)
from tests.engine.hostile import HOSTILE

DATA = Path(trackers.__file__).with_name("data")


def info(rule: str, company: str = "Acme", category: str = "ads") -> TrackerInfo:
    return TrackerInfo(rule=rule, company=company, category=category, source="test")


@pytest.fixture(scope="module")
def bundled() -> TrackerMatcher:
    return build_matcher()


# -- normalize_domain -------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Example.COM", "example.com"),
        ("example.com.", "example.com"),
        ("_dmarc.example.com", "_dmarc.example.com"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("BÜCHER.DE.", "xn--bcher-kva.de"),
        ("テレビ.jp", "xn--ddk0a0e.jp"),
        ("localhost", "localhost"),
        ("a" * 63 + ".com", "a" * 63 + ".com"),
    ],
)
def test_normalize_domain_valid(raw: str, expected: str) -> None:
    assert normalize_domain(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        ".",
        "example.com..",
        "a..b",
        ".example.com",
        "a" * 64 + ".com",
        ".".join(["a" * 60] * 5),  # 304 chars
        "exa mple.com",
        "exa\nmple.com",
        "exa\x00mple.com",
        "$(reboot).com",
        "a;nft flush ruleset",
        "\udcff.com",
        "x\\032y.com",
        "a/b.com",
    ],
)
def test_normalize_domain_invalid(raw: str) -> None:
    assert normalize_domain(raw) is None


def test_normalize_domain_length_limits() -> None:
    name = ".".join(["a" * 63] * 3) + "." + "b" * 61  # 253 chars
    assert len(name) == 253
    assert normalize_domain(name) == name
    assert normalize_domain(name + "b") is None
    assert normalize_domain(name + ".") == name


# -- matcher ----------------------------------------------------------------


def test_suffix_match_on_label_boundaries() -> None:
    m = TrackerMatcher.from_rules([("gz-data.com", info("gz-data.com"))])
    assert m.match("gz-data.com") is not None
    assert m.match("api.gz-data.com") is not None
    assert m.match("a.b.c.gz-data.com") is not None
    assert m.match("xgz-data.com") is None
    assert m.match("gz-data.com.evil.net") is None
    assert m.match("data.com") is None
    assert m.match("com") is None


def test_most_specific_rule_wins() -> None:
    m = TrackerMatcher.from_rules(
        [
            ("example.com", info("example.com", "Parent")),
            ("ads.example.com", info("ads.example.com", "Child")),
        ]
    )
    hit = m.match("x.ads.example.com")
    assert hit is not None
    assert hit.company == "Child"
    assert hit.rule == "ads.example.com"
    parent = m.match("www.example.com")
    assert parent is not None
    assert parent.company == "Parent"


def test_match_normalises_case_dot_and_idna() -> None:
    m = TrackerMatcher.from_rules([("GZ-Data.com.", info("x")), ("bücher.de", info("y", "Books"))])
    assert m.domains() == ["gz-data.com", "xn--bcher-kva.de"]
    hit = m.match("API.GZ-DATA.COM.")
    assert hit is not None
    assert hit.rule == "gz-data.com"  # info.rule is set to the normalised rule
    books = m.match("shop.BÜCHER.de")
    assert books is not None
    assert books.company == "Books"
    assert m.match("shop.xn--bcher-kva.de") == books


def test_match_invalid_names_return_none() -> None:
    m = TrackerMatcher.from_rules([("gz-data.com", info("gz-data.com"))])
    for name in ["", ".", "..gz-data.com", "a" * 64 + ".gz-data.com", "x y.gz-data.com"]:
        assert m.match(name) is None
    long_name = ("a" * 50 + ".") * 5 + "gz-data.com"
    assert m.match(long_name) is None


def test_from_rules_skips_invalid_and_keeps_first() -> None:
    rules: list[object] = [
        ("a.com", info("a.com", "First")),
        ("A.com.", info("a.com", "Second")),
        ("-bad.com", info("-bad.com")),
        ("_srv.example.com", info("_srv.example.com")),
        ("localhost", info("localhost")),
        ("$(reboot).com", info("x")),
        ("x.com",),
        ("x.com", "not info"),
        "garbage",
    ]
    m = TrackerMatcher.from_rules(rules)  # type: ignore[arg-type]
    assert m.domains() == ["a.com"]
    assert m.rule_count == 1
    assert m.skipped_lines == 7  # the duplicate "A.com." is not an invalid line
    hit = m.match("a.com")
    assert hit is not None
    assert hit.company == "First"


# -- bundled knowledge --------------------------------------------------------


def test_bundled_counts(bundled: TrackerMatcher) -> None:
    # Rules narrowed to exact names are counted but cannot be dnsmasq suffix rules.
    assert bundled.rule_count > len(bundled.domains()) > 250
    assert bundled.skipped_lines == 1  # _xmpp-client._tcp.managed.xmpp.foxtel.com.au
    assert bundled.excluded_rules >= 4


def test_bundled_rules_narrowed_to_exact(bundled: TrackerMatcher) -> None:
    # Perflyst blocks samsungcloudsolution.com but comments out names under it.
    hit = bundled.match("samsungcloudsolution.com")
    assert hit is not None
    assert hit.kind == "exact"
    assert bundled.match("otnprd10.samsungcloudsolution.net") is None
    assert "samsungcloudsolution.com" not in bundled.domains()


def test_bundled_domains_are_safe(bundled: TrackerMatcher) -> None:
    domains = bundled.domains()
    assert domains == sorted(domains)
    for domain in domains:
        assert SAFE_DOMAIN_RE.fullmatch(domain), domain
        assert is_safe_rule_domain(domain)
        assert "\n" not in domain


def test_bundled_categories_are_known(bundled: TrackerMatcher) -> None:
    for domain in bundled.domains():
        hit = bundled.match(domain)
        assert hit is not None
        assert hit.category in CATEGORIES
        assert hit.rule == domain
        assert hit.company
        assert hit.source == "curated" or hit.source in {entry.source for entry in BUNDLED}


@pytest.mark.parametrize(
    ("name", "company", "category"),
    [
        ("gz-data.com", "Gozen Data", "network-scanning"),
        ("api.gz-data.com", "Gozen Data", "network-scanning"),
        ("www.gzads.com", "Gozen Data", "ads"),
        ("gozendata.com", "Gozen Data", "telemetry"),
        ("platform.cid.samba.tv", "Samba TV", "acr"),
        ("control2.tvinteractive.tv", "Vizio (Inscape)", "acr"),
        ("tkacr1.alphonso.tv", "Alphonso (LG Ad Solutions)", "acr"),
        ("log-ingestion-eu.samsungacr.com", "Samsung", "acr"),
        ("acr-eu-prd.samsungcloud.tv", "Samsung", "acr"),
        ("ads.samsungads.com", "Samsung Ads", "ads"),
        ("us.info.lgsmartad.com", "LG Ad Solutions", "ads"),
        ("scribe.logs.roku.com", "Roku", "telemetry"),
        ("device-metrics-us.amazon.com", "Amazon", "telemetry"),
        ("device-metrics-us-2.amazon.com", "Amazon", "telemetry"),
        ("mads.amazon-adsystem.com", "Amazon Ads", "ads"),
        ("aax-us-east.amazon-adsystem.com", "Amazon Ads", "ads"),
        ("secure-eu.imrworldwide.com", "Nielsen", "analytics"),
    ],
)
def test_curated_attribution(
    bundled: TrackerMatcher, name: str, company: str, category: str
) -> None:
    hit = bundled.match(name)
    assert hit is not None
    assert (hit.company, hit.category, hit.source) == (company, category, "curated")


def test_perflyst_attribution(bundled: TrackerMatcher) -> None:
    hisense = bundled.match("api-gps-em.hismarttv.com")
    assert hisense is not None
    assert hisense.company == "Hisense"
    assert hisense.source == "perflyst:SmartTV.txt"
    google = bundled.match("googleads.g.doubleclick.net")
    assert google is not None
    assert google.company == "Google"
    assert google.category == "ads"
    panasonic = bundled.match("collect.myhomescreen.tv")
    assert panasonic is not None
    assert panasonic.company == "Panasonic"
    fire = bundled.match("fls-na.amazon.com")
    assert fire is not None
    assert fire.source == "perflyst:AmazonFireTV.txt"
    assert fire.company == "Amazon"


def test_names_the_lists_mark_as_needed_are_not_covered(bundled: TrackerMatcher) -> None:
    # Pi-hole lines are exact; as suffix rules these would break updates/apps.
    for needed in [
        "time.samsungcloudsolution.com",
        "otnprd10.samsungcloudsolution.net",
        "osb-ussvc.samsungqbe.com",
        "infolink.pavv.co.kr",
        "www.samsungotn.net",
        "auth.samsungosp.com",
    ]:
        assert bundled.match(needed) is None, needed


def test_curated_table_is_well_formed() -> None:
    domains = [row.domain for row in CURATED]
    assert len(domains) == len(set(domains))
    for row in CURATED:
        domain, company, category, note, vendors, devices = row  # rows unpack as 6-tuples
        assert set(devices) <= {"tv", "streamer", "speaker"}
        assert all(isinstance(vendor, str) and vendor for vendor in vendors)
        assert is_safe_rule_domain(domain), domain
        assert category in CATEGORIES
        assert company
        assert len(note) > 20
    for owner_domain in KNOWN_OWNERS:
        assert is_safe_rule_domain(owner_domain)


def test_parse_blocklist_sections_and_exceptions() -> None:
    text = "\n".join(
        [
            "# Title: test",
            "",
            "# Samsung",
            "log-1.example.com",
            "ads.example.org # inline comment",
            "#needed.example.net # required for updates",
            "bad entry here",
            "0.0.0.0 hosts-style.example.com",
            "||adblock-style.example.com^",
            "_srv._tcp.example.com",
            "",
            "# Roku",
            "x.example.io",
            "",
            "# some unknown section",
            "y.example.io",
        ]
    )
    result = parse_blocklist(text, "SmartTV.txt")
    by_domain = dict(result.rules)
    assert set(by_domain) == {
        "log-1.example.com",
        "ads.example.org",
        "hosts-style.example.com",
        "adblock-style.example.com",
        "x.example.io",
        "y.example.io",
    }
    assert by_domain["log-1.example.com"].company == "Samsung"
    assert by_domain["log-1.example.com"].category == "telemetry"
    assert by_domain["ads.example.org"].category == "ads"
    assert by_domain["x.example.io"].company == "Roku"
    assert by_domain["y.example.io"].company == "Unknown (Perflyst SmartTV list)"
    assert result.exceptions == frozenset({"needed.example.net"})
    assert result.skipped_lines == 2


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_list_lines_are_skipped(hostile: str) -> None:
    result = parse_blocklist(hostile + "\nok.example.com\n", "SmartTV.txt")
    for domain, _ in result.rules:
        assert SAFE_DOMAIN_RE.fullmatch(domain)
    m = TrackerMatcher.from_rules(result.rules)
    for domain in m.domains():
        assert SAFE_DOMAIN_RE.fullmatch(domain)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_match(bundled: TrackerMatcher, hostile: str) -> None:
    assert bundled.match(hostile) is None
    assert bundled.match(hostile + ".gz-data.com") is None or normalize_domain(hostile) is not None


def test_data_files_and_license_present() -> None:
    for name in [*trackers.BUNDLED_LISTS, "PERFLYST-LICENSE", "PERFLYST-README.md"]:
        assert (DATA / name).is_file(), name


def test_enforced_domains_leave_out_what_a_parent_rule_covers() -> None:
    text = "doubleclick.net\nad.doubleclick.net\nlog.example.com\nexample.com\nx.tv.example.org\n"
    matcher = build_matcher([ListSource(name="t", text=text)], bundled=False)
    assert matcher.domains() == ["doubleclick.net", "example.com", "x.tv.example.org"]
    assert matcher.classify("ad.doubleclick.net").tracker
    # A parent left out for an allow rule covers nothing: its children stay.
    allowed = build_matcher(
        [ListSource(name="t", text="example.com\nlog.example.com\n@@||www.example.com^\n")],
        bundled=False,
    )
    assert allowed.domains() == ["log.example.com"]
