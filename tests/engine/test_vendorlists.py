"""Default subscriptions: the catalogue, attribution of each list's rules, a lists directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from custom_components.snoop_guard.engine.compiled import ListSource, build_matcher, compile_rules
from custom_components.snoop_guard.engine.lists import parse_list
from custom_components.snoop_guard.engine.model import CATEGORIES
from custom_components.snoop_guard.engine.names import is_safe_rule_domain
from custom_components.snoop_guard.engine.vendorlists import (
    CATALOGUE,
    CATALOGUE_BY_ID,
    CATALOGUE_BY_URL,
    VendorList,
    default_urls,
    load_dir,
    subscription_sources,
)

from .test_lists import as_golden

FIXTURE = Path(__file__).with_name("fixtures") / "vendor_native.txt"
# id -> (company, vendors, devices): the golden attribution of every default list.
GOLDEN = {
    "hagezi-native-samsung": ("Samsung", ("Samsung",), ("tv",)),
    "hagezi-native-lgwebos": ("LG Electronics", ("LG",), ("tv",)),
    "hagezi-native-roku": ("Roku", ("Roku",), ("tv", "streamer")),
    "hagezi-native-amazon": ("Amazon", ("Amazon",), ("tv", "streamer", "speaker")),
    "hagezi-native-xiaomi": ("Xiaomi", ("Xiaomi",), ("tv", "streamer")),
    "hagezi-native-apple": ("Apple", ("Apple",), ("streamer", "speaker")),
    "hagezi-native-huawei": ("Huawei", ("Huawei",), ("tv",)),
}


def test_catalogue_entries() -> None:
    assert [entry.id for entry in CATALOGUE] == list(GOLDEN)
    assert {entry.id: entry for entry in CATALOGUE} == CATALOGUE_BY_ID
    for entry in CATALOGUE:
        assert entry.url.startswith("https://raw.githubusercontent.com/hagezi/dns-blocklists/")
        assert entry.url.endswith(".txt")
        assert entry.license == "GPL-3.0"
        assert entry.bundled is False  # GPL: downloaded by the user's install, never shipped
        assert entry.default_on is True
        assert entry.category in CATEGORIES


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda entry: entry.id)
def test_attribution_per_list(entry: VendorList) -> None:
    company, vendors, devices = GOLDEN[entry.id]
    text = FIXTURE.read_text(encoding="utf-8")
    matcher = build_matcher([entry.source(text)], bundled=False)
    assert matcher.reports[0].accepted
    info = matcher.match("x.metrics.vendorcloud.example")
    assert info is not None
    assert (info.company, info.category, info.source) == (
        company,
        "telemetry",
        f"list:{entry.id}",
    )
    assert (info.vendors, info.devices, info.confidence) == (vendors, devices, "medium")
    assert info.citation == f"subscribed list {entry.id}"
    # The domain's words refine the category; a known owner names the company.
    acr = matcher.match("acr-eu.vendortv.example")
    ads = matcher.match("ads.vendortv.example")
    owned = matcher.match("ad.doubleclick.net")
    assert acr is not None
    assert ads is not None
    assert owned is not None
    assert ads.category == "ads"
    assert ads.company == company
    assert owned.company == "Google"
    assert all(is_safe_rule_domain(domain) for domain in matcher.domains())


def test_curated_attribution_wins_over_a_default_list() -> None:
    entry = CATALOGUE_BY_ID["hagezi-native-roku"]
    matcher = build_matcher([entry.source("logs.roku.com\nnew.roku-metrics.example\n")])
    known = matcher.match("giga.logs.roku.com")
    assert known is not None
    assert known.source == "curated"
    fresh = matcher.match("new.roku-metrics.example")
    assert fresh is not None
    assert fresh.source == "list:hagezi-native-roku"


def test_load_dir(tmp_path: Path) -> None:
    (tmp_path / "hagezi-native-roku.txt").write_text("a.roku-logs.example\n", encoding="utf-8")
    (tmp_path / "hagezi-native-samsung").write_text("b.samsung-x.example\n", encoding="utf-8")
    (tmp_path / "unrelated.txt").write_text("c.example\n", encoding="utf-8")
    sources, missing = load_dir(tmp_path)
    assert [source.name for source in sources] == ["hagezi-native-samsung", "hagezi-native-roku"]
    assert sources[1].text == "a.roku-logs.example\n"
    assert sources[0].company == "Samsung"
    assert missing == [entry.id for entry in CATALOGUE if entry.id not in {s.name for s in sources}]


def test_load_dir_missing_directory(tmp_path: Path) -> None:
    sources, missing = load_dir(tmp_path / "absent")
    assert sources == []
    assert missing == [entry.id for entry in CATALOGUE]


def test_default_urls_opt_out() -> None:
    every = [entry.url for entry in CATALOGUE]
    assert default_urls() == every
    assert default_urls(["hagezi-native-roku", "no-such-list", 3]) == [
        entry.url for entry in CATALOGUE if entry.id != "hagezi-native-roku"
    ]
    assert default_urls(entry.id for entry in CATALOGUE) == []


def test_subscription_sources_attribute_catalogue_lists() -> None:
    roku = CATALOGUE_BY_ID["hagezi-native-roku"]
    samsung = CATALOGUE_BY_ID["hagezi-native-samsung"]
    texts = {
        "https://z.example/mine.txt": "z.example\n",
        roku.url: "r.example\n",
        "https://a.example/other.txt": "a.example\n",
        samsung.url: "s.example\n",
    }
    sources = subscription_sources(texts)
    assert [s.name for s in sources] == [
        "hagezi-native-samsung",
        "hagezi-native-roku",
        "https://a.example/other.txt",
        "https://z.example/mine.txt",
    ]
    assert CATALOGUE_BY_URL[roku.url] is roku
    assert sources[1] == roku.source("r.example\n")
    assert (sources[2].company, sources[2].confidence) == (None, "low")


def test_golden_vendor_list_format() -> None:
    """A list in the layout of the default lists (comment header, one domain a line)."""
    result = parse_list(FIXTURE.read_text(encoding="utf-8"), FIXTURE.name)
    golden = FIXTURE.with_name(f"{FIXTURE.name}.expected.json")
    assert as_golden(result) == json.loads(golden.read_text(encoding="utf-8"))


def test_default_lists_spare_the_vendors_own_functions() -> None:
    """A default list's store/update/sign-in entries under the vendor's domain are not loaded.

    The same entries in a list the user subscribed to are (the user chose it).
    """
    text = (
        "ota.cdn.pandora.xiaomi.com\nt1.a.market.xiaomi.com\naccount.migc.g.mi.com\n"
        "tracking.rus.miui.com\ndata.mistat.india.xiaomi.com\ngld.push.samsungosp.com\n"
    )
    xiaomi = CATALOGUE_BY_ID["hagezi-native-xiaomi"]
    tables = compile_rules([xiaomi.source(text)], bundled=False)
    default = build_matcher([xiaomi.source(text)], bundled=False)
    assert not default.classify("ota.cdn.pandora.xiaomi.com").tracker
    assert not default.classify("t1.a.market.xiaomi.com").tracker
    assert not default.classify("account.migc.g.mi.com").tracker
    assert default.classify("tracking.rus.miui.com").tracker
    assert default.classify("data.mistat.india.xiaomi.com").tracker
    assert not default.classify("gld.push.samsungosp.com").tracker  # WITHHELD: push channel
    assert any(
        "4 rule(s) of hagezi-native-xiaomi name a device function" in note for note in tables.notes
    )
    chosen = build_matcher([ListSource(name="mine", text=text)], bundled=False)
    assert chosen.classify("ota.cdn.pandora.xiaomi.com").tracker


def test_a_default_lists_parent_of_a_spared_name_blocks_its_own_name_only() -> None:
    text = "pandora.xiaomi.com\nota.cdn.pandora.xiaomi.com\n"
    matcher = build_matcher([CATALOGUE_BY_ID["hagezi-native-xiaomi"].source(text)], bundled=False)
    assert matcher.classify("pandora.xiaomi.com").tracker
    assert not matcher.classify("ota.cdn.pandora.xiaomi.com").tracker
    assert not matcher.classify("stat.cdn.pandora.xiaomi.com").tracker  # exact: no subtree
    assert matcher.domains() == []  # an exact rule cannot be a dnsmasq suffix rule
