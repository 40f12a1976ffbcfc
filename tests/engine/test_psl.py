"""The Public Suffix List (engine/psl.py) and the too-broad rule check built on it."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.snoop_guard.engine import psl
from custom_components.snoop_guard.engine.compiled import ListSource, build_matcher
from custom_components.snoop_guard.engine.lists import parse_list
from custom_components.snoop_guard.engine.names import (
    TOO_BROAD,
    check_domain,
    normalize_domain,
    rule_domain_problem,
)
from custom_components.snoop_guard.engine.psl import PublicSuffixList
from custom_components.snoop_guard.engine.scan import site_of
from custom_components.snoop_guard.engine.trackers import TrackerInfo, TrackerMatcher

DATA = Path(psl.__file__).with_name("data")

# Reported in the issue: each of these accepted as a rule would block a whole country's
# commercial sites, or every customer of a platform.
ISSUE_NAMES = ("com.pl", "gov.br", "co.it", "azurefd.net", "b-cdn.net")
# What the hand-made list used to hold for countries; the Public Suffix List covers them.
OLD_COUNTRY_NAMES = (
    *("co.uk", "org.uk", "ac.uk", "gov.uk", "me.uk", "ltd.uk", "plc.uk", "net.uk"),
    *("com.au", "net.au", "org.au", "edu.au", "gov.au", "co.nz", "org.nz", "net.nz"),
    *("co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp", "co.kr", "or.kr", "ne.kr", "co.in"),
    *("com.br", "net.br", "com.cn", "net.cn", "org.cn", "com.tw", "com.hk", "com.sg"),
    *("co.za", "com.mx", "com.tr", "com.ar", "com.ru", "com.ua", "co.id", "com.my"),
)

SMALL_LIST = """\
// A small list in the published format.
// ===BEGIN ICANN DOMAINS===
com
uk
co.uk
ck
*.ck
!www.ck
jp
*.kawasaki.jp
!city.kawasaki.jp
公司.cn
cn
// ===END ICANN DOMAINS===
// ===BEGIN PRIVATE DOMAINS===
github.io
*.compute.example-cloud.com
s3.example-cloud.com   trailing text is ignored
// ===END PRIVATE DOMAINS===
"""


@pytest.fixture(scope="module")
def small() -> PublicSuffixList:
    return PublicSuffixList(SMALL_LIST)


# -- golden cases -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ISSUE_NAMES)
def test_names_from_the_issue_are_rejected_as_rules(name: str) -> None:
    assert rule_domain_problem(name) == "too-broad"
    assert rule_domain_problem(f"shop.{name}") is None  # one registrant is fine


@pytest.mark.parametrize("name", ["com.pl", "gov.br", "co.it", "azurefd.net", "co.uk"])
def test_issue_names_are_public_suffixes_of_the_bundled_list(name: str) -> None:
    assert psl.is_public_suffix(name)
    assert psl.public_suffix(f"a.b.{name}") == name
    assert psl.registrable_domain(f"a.b.{name}") == f"b.{name}"
    assert psl.registrable_domain(name) is None


def test_b_cdn_net_is_registrable_but_in_the_extra_too_broad_names() -> None:
    assert not psl.is_public_suffix("b-cdn.net")  # not in the Public Suffix List
    assert "b-cdn.net" in TOO_BROAD


def test_private_section_counts_only_when_asked(small: PublicSuffixList) -> None:
    assert small.public_suffix("me.github.io") == "github.io"
    assert small.public_suffix("me.github.io", private=False) == "io"
    assert small.registrable_domain("me.github.io", private=False) == "github.io"
    bundled = psl.bundled()
    assert bundled.public_suffix("x.azurefd.net") == "azurefd.net"
    assert bundled.public_suffix("x.azurefd.net", private=False) == "net"
    assert bundled.icann_rules > 5000
    assert bundled.private_rules > 1000
    assert bundled.skipped == 0


@pytest.mark.parametrize(
    ("name", "suffix", "registrable"),
    [
        ("example.com", "com", "example.com"),
        ("a.b.example.com", "com", "example.com"),
        ("x.example.co.uk", "co.uk", "example.co.uk"),
        ("co.uk", "co.uk", None),
        ("uk", "uk", None),
        # *.ck: every label under ck is a suffix, except www.ck (!www.ck)
        ("ck", "ck", None),
        ("test.ck", "test.ck", None),
        ("b.test.ck", "test.ck", "b.test.ck"),
        ("a.b.test.ck", "test.ck", "b.test.ck"),
        ("www.ck", "ck", "www.ck"),
        ("www.www.ck", "ck", "www.ck"),
        ("city.kawasaki.jp", "kawasaki.jp", "city.kawasaki.jp"),
        ("a.city.kawasaki.jp", "kawasaki.jp", "city.kawasaki.jp"),
        ("town.kawasaki.jp", "town.kawasaki.jp", None),
        ("b.town.kawasaki.jp", "town.kawasaki.jp", "b.town.kawasaki.jp"),
        ("kawasaki.jp", "jp", "kawasaki.jp"),
        # rules written in Unicode are stored in punycode (公司.cn)
        ("xn--55qx5d.cn", "xn--55qx5d.cn", None),
        ("shop.xn--55qx5d.cn", "xn--55qx5d.cn", "shop.xn--55qx5d.cn"),
        # the implicit "*" rule: an unlisted top-level label is a suffix
        ("example.example", "example", "example.example"),
        ("b.example.example", "example", "example.example"),
        ("s3.example-cloud.com", "s3.example-cloud.com", None),
        ("bucket.s3.example-cloud.com", "s3.example-cloud.com", "bucket.s3.example-cloud.com"),
        ("eu.compute.example-cloud.com", "eu.compute.example-cloud.com", None),
        (
            "vm.eu.compute.example-cloud.com",
            "eu.compute.example-cloud.com",
            "vm.eu.compute.example-cloud.com",
        ),
    ],
)
def test_small_list_lookups(
    small: PublicSuffixList, name: str, suffix: str, registrable: str | None
) -> None:
    assert small.public_suffix(name) == suffix
    assert small.registrable_domain(name) == registrable
    assert small.is_public_suffix(name) == (registrable is None)


@pytest.mark.parametrize(
    ("raw", "registrable"),
    [
        # From the Public Suffix List's own test data (tests/test_psl.txt, public domain),
        # through normalize_domain first as the engine does.
        ("COM", None),
        ("example.COM", "example.com"),
        ("WwW.example.COM", "example.com"),
        ("example", None),
        ("example.example", "example.example"),
        ("a.b.example.example", "example.example"),
        ("domain.biz", "domain.biz"),
        ("a.b.domain.biz", "domain.biz"),
        ("uk.com", None),
        ("example.uk.com", "example.uk.com"),
        ("a.b.example.uk.com", "example.uk.com"),
        ("test.ac", "test.ac"),
        ("mm", None),
        ("c.mm", None),
        ("b.c.mm", "b.c.mm"),
        ("test.jp", "test.jp"),
        ("ac.jp", None),
        ("test.ac.jp", "test.ac.jp"),
        ("kyoto.jp", None),
        ("test.kyoto.jp", "test.kyoto.jp"),
        ("ide.kyoto.jp", None),
        ("b.ide.kyoto.jp", "b.ide.kyoto.jp"),
        ("c.kobe.jp", None),
        ("b.c.kobe.jp", "b.c.kobe.jp"),
        ("city.kobe.jp", "city.kobe.jp"),
        ("www.city.kobe.jp", "city.kobe.jp"),
        ("www.ck", "www.ck"),
        ("www.www.ck", "www.ck"),
        ("us", None),
        ("test.us", "test.us"),
        ("ak.us", None),
        ("www.test.ak.us", "test.ak.us"),
        ("k12.ak.us", None),
        ("www.test.k12.ak.us", "test.k12.ak.us"),
        ("食狮.com.cn", "xn--85x722f.com.cn"),
        ("www.食狮.公司.cn", "xn--85x722f.xn--55qx5d.cn"),
        ("xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"),
        ("shishi.xn--55qx5d.cn", "shishi.xn--55qx5d.cn"),
        ("xn--55qx5d.cn", None),
        ("食狮.中国", "xn--85x722f.xn--fiqs8s"),
        ("xn--fiqs8s", None),
    ],
)
def test_bundled_list_against_published_test_data(raw: str, registrable: str | None) -> None:
    name = normalize_domain(raw)
    assert name is not None
    assert psl.registrable_domain(name) == registrable


def test_parser_skips_what_is_not_a_rule() -> None:
    parsed = PublicSuffixList(
        "com\n  \n// comment\nbad!name\n*.*.x\na.*.b\n" + "x" * 300 + ".com\n!\n*.\n"
    )
    assert len(parsed) == 1
    assert parsed.skipped == 6
    assert parsed.is_public_suffix("com")


@given(st.text(max_size=400))
@settings(max_examples=200, deadline=None)
def test_parser_never_raises(text: str) -> None:
    parsed = PublicSuffixList(text)
    assert len(parsed) >= 0
    assert parsed.skipped >= 0
    assert parsed.suffix_labels("a.b.c") in (1, 2, 3)


@pytest.mark.parametrize("bad", ["", ".", "a..b", "x" * 300, None, 5, "a.b."])
def test_lookups_of_bad_input_never_raise(bad: object) -> None:
    bundled = psl.bundled()
    assert bundled.public_suffix(bad) is None  # type: ignore[arg-type]
    assert bundled.registrable_domain(bad) is None  # type: ignore[arg-type]
    assert bundled.is_public_suffix(bad) is False  # type: ignore[arg-type]
    assert bundled.is_too_broad(bad) in (False, True)  # type: ignore[arg-type]


# -- properties -------------------------------------------------------------------------

LABELS = st.sampled_from(
    [
        *("com", "uk", "co", "ck", "www", "jp", "kawasaki", "city", "github", "io", "pl"),
        *("gov", "br", "it", "s3", "amazonaws", "azurefd", "net", "example", "a", "cn"),
        "xn--55qx5d",
    ]
)
NAMES = st.lists(LABELS, min_size=1, max_size=6).map(".".join)


@given(NAMES)
@settings(max_examples=500, deadline=None)
def test_registrable_domain_properties(name: str) -> None:
    bundled = psl.bundled()
    labels = name.split(".")
    keep = bundled.suffix_labels(name)
    assert 1 <= keep <= len(labels)
    suffix = bundled.public_suffix(name)
    registrable = bundled.registrable_domain(name)
    assert suffix is not None
    assert name == suffix or name.endswith("." + suffix)
    if registrable is None:
        assert bundled.is_public_suffix(name)
        assert bundled.is_too_broad(name)
        assert rule_domain_problem(name) in ("too-broad", "single-label")
    else:
        assert registrable.count(".") == suffix.count(".") + 1
        assert name == registrable or name.endswith("." + registrable)
        assert bundled.registrable_domain(registrable) == registrable  # idempotent
        assert bundled.public_suffix(registrable) == suffix
        assert not bundled.is_public_suffix(registrable)
    # every name between the top-level label and the public suffix is too broad
    for index in range(len(labels) - keep, len(labels)):
        assert bundled.is_too_broad(".".join(labels[index:]))
    # the PRIVATE section only adds rules (all exceptions are ICANN): never a shorter suffix
    assert bundled.suffix_labels(name, private=False) <= keep


@given(NAMES)
@settings(max_examples=300, deadline=None)
def test_site_of_is_the_registrable_domain_or_the_suffix_itself(name: str) -> None:
    site = site_of(name)
    if "." not in name:
        assert site is None
        return
    registrable = psl.registrable_domain(name)
    assert site == (registrable or name)


# -- the matcher refuses them -----------------------------------------------------------


def test_matcher_and_list_parser_refuse_public_suffixes() -> None:
    broad = [*ISSUE_NAMES, *OLD_COUNTRY_NAMES, "test.ck", "xn--55qx5d.cn", "amazonaws.com"]
    info = TrackerInfo(rule="x", company="Acme", category="ads", source="test")
    matcher = TrackerMatcher.from_rules([(name, info) for name in [*broad, "ads.example.com"]])
    assert matcher.domains() == ["ads.example.com"]
    report = parse_list("\n".join([*broad, "ads.example.com"]) + "\n", "mine").report
    assert report.invalid["too-broad"] == len(broad)
    built = build_matcher([ListSource("mine", "\n".join(f"||{n}^" for n in broad) + "\n")])
    assert not set(built.domains()) & set(broad)
    assert built.match("shop.com.pl") is None


def test_unicode_suffix_is_refused_in_any_spelling() -> None:
    for spelling in ("公司.cn", "xn--55qx5d.cn", "XN--55QX5D.CN."):
        name, reason = check_domain(spelling)
        assert reason is None
        assert name is not None
        assert rule_domain_problem(name) == "too-broad"


def test_no_bundled_rule_is_too_broad() -> None:
    domains = build_matcher().domains()
    assert len(domains) > 200
    assert [d for d in domains if psl.is_too_broad(d) or d in TOO_BROAD] == []


def test_extra_too_broad_names_and_old_country_names_are_still_refused() -> None:
    for name in [*TOO_BROAD, *OLD_COUNTRY_NAMES]:
        assert rule_domain_problem(name) == "too-broad", name


# -- data and loading -------------------------------------------------------------------


def test_sources_json_records_the_bundled_list() -> None:
    entry = json.loads((DATA / "SOURCES.json").read_text(encoding="utf-8"))["public_suffix_list"]
    data = (DATA / entry["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    header = data.decode().splitlines()[:12]
    assert entry["version_line"] in header
    assert f"// COMMIT: {entry['commit']}" in header
    assert header[0].startswith("// This Source Code Form is subject to the terms of the Mozilla")
    assert entry["license"] == "MPL-2.0"
    license_text = (DATA / entry["license_file"]).read_text(encoding="utf-8")
    assert license_text.startswith("Mozilla Public License, version 2.0")
    assert "MPL-2.0" in (DATA / entry["notice_file"]).read_text(encoding="utf-8")


def test_importing_the_engine_does_not_load_the_list() -> None:
    code = (
        "import custom_components.snoop_guard.engine.compiled, "
        "custom_components.snoop_guard.engine.scan, "
        "custom_components.snoop_guard.engine.lists\n"
        "from custom_components.snoop_guard.engine import psl\n"
        "assert psl._BUNDLED is None\n"
        "assert psl.is_too_broad('com.pl')\n"
        "assert psl._BUNDLED is not None\n"
    )
    root = Path(__file__).parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


def test_unreadable_file_leaves_only_the_implicit_rule(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        PublicSuffixList.from_file(tmp_path / "missing.dat")
    empty = PublicSuffixList("")
    assert empty.registrable_domain("a.example.co.uk") == "co.uk"
    assert empty.is_too_broad("uk")
    assert not empty.is_too_broad("co.uk")
