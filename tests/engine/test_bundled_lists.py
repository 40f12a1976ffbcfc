"""Golden tests for the bundled Block List Project and NextDNS lists and their provenance."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from custom_components.snoop_guard.engine import psl
from custom_components.snoop_guard.engine.allowlist import FUNCTIONAL_ALLOW
from custom_components.snoop_guard.engine.bundled import (
    BUNDLED_BY_FILE,
    SDK_CATEGORIES,
    SDK_SCOPE,
    SDK_SITES,
    TV_SCOPE,
)
from custom_components.snoop_guard.engine.compiled import build_matcher
from custom_components.snoop_guard.engine.owners import KNOWN_OWNERS
from custom_components.snoop_guard.engine.perflyst import BUNDLED_LISTS, parse_blocklist
from custom_components.snoop_guard.engine.trackers import TrackerMatcher
from custom_components.snoop_guard.engine.withheld import WITHHELD, vendor_function_name
from scripts import bundle_lists

DATA = Path(__file__).resolve().parents[2] / "custom_components" / "snoop_guard" / "engine" / "data"
NEW_LISTS = [name for name in BUNDLED_LISTS if name.startswith(("blocklistproject-", "nextdns-"))]
TV_LISTS = [*(upstream.file for upstream in bundle_lists.UPSTREAMS), bundle_lists.V2FLY_FILE]
NEEDED_VENDOR = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "needed_vendor.csv"


@pytest.fixture(scope="module")
def bundled() -> TrackerMatcher:
    return build_matcher()


def test_nextdns_vendor_file_is_attributed_to_its_vendor() -> None:
    text = "nmetrics.samsung.com\n\nbigdata.ssp.samsung.com\n# note\nnot a domain!\n"
    result = parse_blocklist(text, "nextdns-samsung.txt")
    assert [domain for domain, _ in result.rules] == [
        "nmetrics.samsung.com",
        "bigdata.ssp.samsung.com",
    ]
    info = dict(result.rules)["nmetrics.samsung.com"]
    assert info.company == "Samsung"
    assert info.vendors == ("Samsung",)
    assert info.devices == ("tv",)
    assert info.category == "telemetry"
    assert info.source == "nextdns:native-tracking-domains/samsung"
    assert info.citation == "nextdns/native-tracking-domains domains/samsung (MIT)"
    assert result.skipped_lines == 1


def test_nextdns_sonos_is_a_speaker_vendor() -> None:
    ((_, info),) = parse_blocklist("msmetrics.ws.sonos.com\n", "nextdns-sonos.txt").rules
    assert (info.company, info.vendors, info.devices) == ("Sonos", ("Sonos",), ("speaker",))


def test_blocklistproject_hosts_format_owner_and_withheld_names() -> None:
    text = (
        "# Title: Smart-Tv Block List\n# License: MIT\n#\n\n"
        "0.0.0.0 log-1.samsungacr.com\n"
        "0.0.0.0 tvx.adgrx.com\n"
        "0.0.0.0 game.internetat.tv\n"
        "0.0.0.0 eu-auth2.samsungosp.com\n"  # WITHHELD: sign-in
        "0.0.0.0 time.samsungcloudsolution.com\n"  # the allow-list keeps it
        "0.0.0.0 samsungotn.net\n"  # allow-list suffix rule (firmware)
        "0.0.0.0 samsungcloudsolution.net\n"  # parent of allow-listed names
    )
    result = parse_blocklist(text, "blocklistproject-smart-tv.txt")
    rules = dict(result.rules)
    assert list(rules) == ["log-1.samsungacr.com", "tvx.adgrx.com", "game.internetat.tv"]
    acr = rules["log-1.samsungacr.com"]
    assert (acr.company, acr.vendors, acr.category) == ("Samsung", ("Samsung",), "acr")
    assert acr.source == "blocklistproject:smart-tv.txt"
    assert acr.citation == "blocklistproject/Lists smart-tv.txt (Unlicense)"
    assert rules["tvx.adgrx.com"].company == "AdGear (Samsung Ads)"
    assert rules["tvx.adgrx.com"].vendors == ()
    unknown = rules["game.internetat.tv"]
    assert unknown.company == "Unknown (Block List Project smart-tv list)"
    assert unknown.vendors == ()
    assert set(result.withheld) == {
        "eu-auth2.samsungosp.com",
        "time.samsungcloudsolution.com",
        "samsungotn.net",
        "samsungcloudsolution.net",
    }


def test_perflyst_lists_keep_their_own_identity() -> None:
    ((_, info),) = parse_blocklist("# Roku\nscribe.logs.roku.com\n", "SmartTV.txt").rules
    assert info.source == "perflyst:SmartTV.txt"
    assert info.citation == "Perflyst/PiHoleBlocklist SmartTV.txt"


def test_every_withheld_name_has_a_reason() -> None:
    assert all(reason.strip() for reason in WITHHELD.values())


def test_sources_json_matches_the_bundled_files_and_licences_exist() -> None:
    sources = json.loads((DATA / "SOURCES.json").read_text(encoding="utf-8"))
    for key in ("blocklistproject", "nextdns_native_tracking"):
        entry = sources[key]
        assert len(entry["commit"]) == 40
        licence = (DATA / entry["license_file"]).read_text(encoding="utf-8")
        assert "unlicense.org" in licence or "MIT License" in licence
        for name, meta in entry["lists"].items():
            digest = hashlib.sha256((DATA / name).read_bytes()).hexdigest()
            assert digest == meta["sha256"], name
    listed = {
        name
        for key in ("blocklistproject", "nextdns_native_tracking")
        for name in sources[key]["lists"]
    }
    assert listed == set(NEW_LISTS)
    notice = (DATA / "THIRD-PARTY-LISTS-NOTICE.md").read_text(encoding="utf-8")
    assert all(name in notice for name in NEW_LISTS)


def test_bundled_new_sources_load_and_attribute(bundled: TrackerMatcher) -> None:
    hit = bundled.match("nmetrics.samsung.com")
    assert hit is not None
    assert hit.source == "nextdns:native-tracking-domains/samsung"
    sonos = bundled.match("msmetrics.ws.sonos.com")
    assert sonos is not None
    assert sonos.company == "Sonos"
    roku = bundled.match("cloudservices.roku.com")
    assert roku is not None
    assert roku.source == "blocklistproject:smart-tv.txt"
    assert roku.company == "Roku"


def test_no_new_rule_reaches_a_functional_allow_name(bundled: TrackerMatcher) -> None:
    for name in NEW_LISTS:
        text = (DATA / name).read_text(encoding="utf-8")
        for domain, _ in parse_blocklist(text, name).rules:
            for row in FUNCTIONAL_ALLOW:
                assert row.domain != domain, row.id
                assert not row.domain.endswith("." + domain), (domain, row.id)
    for row in FUNCTIONAL_ALLOW:
        assert not bundled.classify(row.domain).tracker, row.domain


# -- issue 14: more permissive TV lists (scripts/bundle_lists.py) ---------------------------


def test_tv_lists_are_the_generated_ones() -> None:
    assert list(BUNDLED_LISTS[-len(TV_LISTS) :]) == TV_LISTS
    assert set(TV_LISTS) <= set(BUNDLED_BY_FILE)
    assert all(not BUNDLED_BY_FILE[name].sections for name in TV_LISTS)


def test_tv_lists_provenance_licence_and_notice() -> None:
    sources = json.loads((DATA / "SOURCES.json").read_text(encoding="utf-8"))
    lists = sources["tv_lists"]["lists"]
    assert set(lists) == set(TV_LISTS)
    notice = (DATA / "THIRD-PARTY-LISTS-NOTICE.md").read_text(encoding="utf-8")
    for name, meta in lists.items():
        data = (DATA / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == meta["sha256"], name
        assert len(meta["commit"]) == 40
        assert len(meta["upstream_sha256"]) == 64
        licence = (DATA / meta["license_file"]).read_text(encoding="utf-8")
        assert "unlicense.org" in licence or "MIT License" in licence, name
        assert meta["license"].startswith(("MIT", "Unlicense"))
        header = data.decode().splitlines()[:5]
        assert (
            header[0]
            == f"# Snoop Guard bundled copy of {meta['upstream'][19:]} {meta['upstream_path']}"
        )
        assert meta["commit"] in header[1]
        assert meta["license_file"] in header[2]
        assert header[4] == f"# Entries: {meta['entries']}"
        assert name in notice
        assert meta["license_file"] in notice


def test_tv_subsets_keep_only_tv_scope_entries() -> None:
    for name in TV_LISTS:
        domains = [
            line for line in (DATA / name).read_text().splitlines() if line and line[0] != "#"
        ]
        assert domains == sorted(set(domains)), name
        if name.startswith("tv-"):
            scope = TV_SCOPE | SDK_SCOPE
            assert all(psl.registrable_domain(domain) in scope for domain in domains), name
            assert not any(
                domain in SDK_SITES or domain.removeprefix("www.") in SDK_SITES
                for domain in domains
            )


def test_scope_domains_have_an_owner() -> None:
    assert SDK_SITES <= SDK_SCOPE
    assert not TV_SCOPE & SDK_SCOPE
    for domain in TV_SCOPE | SDK_SCOPE:
        assert domain in KNOWN_OWNERS, domain
        assert psl.registrable_domain(domain) == domain


def test_generator_converts_and_filters_upstream_formats() -> None:
    hosts = (
        "# Title: test\n127.0.0.1 localhost\n0.0.0.0 b.samsungads.com\n"
        "0.0.0.0 tracker.example.com  # comment\n0.0.0.0 a.samsungads.com\n"
        "0.0.0.0 B.SAMSUNGADS.COM\nnot a domain at all\n0.0.0.0 x.s3.amazonaws.com\n"
        "0.0.0.0 log.xiaomi.com\n"
    )
    assert bundle_lists.entries(hosts, "t", subset=False) == [
        "a.samsungads.com",
        "b.samsungads.com",
        "log.xiaomi.com",
        "tracker.example.com",
        "x.s3.amazonaws.com",
    ]
    assert bundle_lists.entries(hosts, "t", subset=True) == [
        "a.samsungads.com",
        "b.samsungads.com",
        "log.xiaomi.com",
    ]
    adblock = "||ads.roku.com^\n@@||image.roku.com^\n||example.org^\n"
    assert bundle_lists.entries(adblock, "t", subset=True) == ["ads.roku.com"]
    upstream = bundle_lists.UPSTREAMS[-1]
    text = bundle_lists.render(upstream, ["a.samsungads.com"])
    assert text.endswith("\n\na.samsungads.com\n")
    parsed = parse_blocklist(text, upstream.file)
    assert [domain for domain, _ in parsed.rules] == ["a.samsungads.com"]
    assert parsed.skipped_lines == 0
    assert not parsed.exceptions


def test_tv_lists_attribute_by_owner(bundled: TrackerMatcher) -> None:
    xiaomi = bundled.match("data.mistat.xiaomi.com")
    assert xiaomi is not None
    assert (xiaomi.company, xiaomi.vendors) == ("Xiaomi", ("Xiaomi",))
    rules = dict(
        parse_blocklist("abc.alphonso.tv\nunknown-tv-host.example\n", "tv-stevenblack.txt").rules
    )
    assert rules["abc.alphonso.tv"].company == "Alphonso (LG Ad Solutions)"
    assert rules["abc.alphonso.tv"].vendors == ()
    assert rules["abc.alphonso.tv"].source == "stevenblack:hosts (TV subset)"
    assert rules["unknown-tv-host.example"].company == "Unknown (StevenBlack hosts list)"


def test_goodbyeads_hosts_file_with_its_banner_header() -> None:
    text = (
        "# --------------------------------------------\n#          G O O D B Y E A D S\n"
        "# Title: GoodbyeAds-Xiaomi-AdBlock\n# Format: Hosts\n\n0.0.0.0 api.ad.xiaomi.com\n"
        "0.0.0.0 account.xiaomi.com\n"  # allow-listed (sign-in): withheld
    )
    result = parse_blocklist(text, "goodbyeads-xiaomi.txt")
    assert [domain for domain, _ in result.rules] == ["api.ad.xiaomi.com"]
    assert result.withheld == ("account.xiaomi.com",)
    ((_, info),) = result.rules
    assert (info.company, info.category, info.devices) == ("Xiaomi", "ads", ("tv", "streamer"))


def _needed_vendor() -> list[str]:
    lines = NEEDED_VENDOR.read_text(encoding="utf-8").splitlines()
    return [line.split(",", 1)[0] for line in lines if line and not line.startswith("#")]


def test_needed_vendor_names_are_neither_blocked_nor_suspected(bundled: TrackerMatcher) -> None:
    names = _needed_vendor()
    assert len(names) >= 100
    for name in names:
        verdict = bundled.classify(name)
        assert verdict.normalized == name
        assert not verdict.tracker, name
        assert not verdict.suspected, name


def test_generator_keeps_children_and_drops_unknown_tlds() -> None:
    text = "doubleclick.net\nad.doubleclick.net\nwatchdog.goodbyeads\nmiui.comm\nxioami.com\n"
    # The engine decides what covers what; a name under a TLD that does not exist is junk.
    assert bundle_lists.entries(text, "t", subset=False) == [
        "ad.doubleclick.net",
        "doubleclick.net",
        "xioami.com",
    ]


def test_generator_scope_spares_sdk_company_sites() -> None:
    assert bundle_lists.in_scope("api.mixpanel.com")
    assert not bundle_lists.in_scope("mixpanel.com")
    assert not bundle_lists.in_scope("www.mixpanel.com")
    assert bundle_lists.in_scope("imrworldwide.com")  # a collection-only domain: whole
    assert bundle_lists.in_scope("log.samsungacr.com")
    assert not bundle_lists.in_scope("example.com")
    assert not bundle_lists.in_scope("mixpanel.s3.amazonaws.com")


@pytest.mark.parametrize(
    ("name", "withheld"),
    [
        ("t1.a.market.xiaomi.com", True),  # app store images
        ("image.pandora.xiaomi.com", True),  # home screen
        ("cdn.fds.api.xiaomi.com", True),  # downloads
        ("url8807.global.passport.xiaomi.com", True),  # sign-in
        ("catalog.store.xiaomi.com", True),  # "log" inside a word is no telemetry word
        ("sec-cdn.static.xiaomi.net", True),  # nor is "stat" inside "static"
        ("api.ad.xiaomi.com", False),  # ads
        ("data.mistat.xiaomi.com", False),
        ("log.store.xiaomi.com", False),  # a telemetry word wins
        ("insights.video.a2z.com", False),
        ("video-ads.a2z.com", False),
        ("xiaomi.com", False),  # the registrable domain itself: WITHHELD/allow-list decide
        ("img.samsungads.com", False),  # a dedicated ad domain, not a service domain
        ("cdn.example.com", False),
    ],
)
def test_vendor_function_names(name: str, withheld: bool) -> None:
    assert vendor_function_name(name) is withheld


def test_vendor_function_entries_are_withheld_from_third_party_lists() -> None:
    text = "0.0.0.0 t1.a.market.xiaomi.com\n0.0.0.0 tracking.intl.miui.com\n"
    result = parse_blocklist(text, "goodbyeads-xiaomi.txt")
    assert [domain for domain, _ in result.rules] == ["tracking.intl.miui.com"]
    assert result.withheld == ("t1.a.market.xiaomi.com",)
    # Perflyst's sectioned lists too (their commented-out names stay exceptions).
    perflyst = parse_blocklist(
        "# Xioami Mi TV\nt1.a.market.xiaomi.com\nad.xiaomi.com\n", "SmartTV.txt"
    )
    assert [domain for domain, _ in perflyst.rules] == ["ad.xiaomi.com"]
    assert perflyst.withheld == ("t1.a.market.xiaomi.com",)


def test_no_held_back_name_is_a_tracker(bundled: TrackerMatcher) -> None:
    """A held-back name stays unblocked even when a list names a parent of it.

    Shared-hosting names are held back from section-less lists for want of an
    owner only: Perflyst's sections name one, so they stay there.
    """
    enforced = set(bundled.domains())
    for name, reason in WITHHELD.items():
        shared = reason.startswith("shared hosting")
        assert bundled.classify(name).tracker is shared, name
        assert (name in enforced) is shared, name  # Perflyst's own rule, a suffix rule
    for name in ("gld.push.samsungosp.com", "eic.service.lgtvcommon.com", "xmpush.xiaomi.com"):
        assert not bundled.classify(name).tracker, name
    assert name not in bundled.domains()
    assert "push.samsungosp.com" not in bundled.domains()


def test_sdk_companies_get_their_category(bundled: TrackerMatcher) -> None:
    assert SDK_CATEGORIES.keys() <= SDK_SCOPE
    conviva = bundled.match("cws.conviva.com")
    assert conviva is not None
    assert (conviva.company, conviva.category) == ("Conviva", "analytics")
    fwmrm = bundled.match("bea4.v.fwmrm.net")
    assert fwmrm is not None
    assert (fwmrm.company, fwmrm.category) == ("FreeWheel (Comcast)", "ads")


@pytest.mark.parametrize(
    ("name", "company", "category"),
    [
        ("match.adsrvr.org", "The Trade Desk", "ads"),
        ("pixel.mathtag.com", "MediaMath", "ads"),
        ("ad.lkqd.net", "LKQD (Nexstar)", "ads"),
        ("bs.serving-sys.com", "Sizmek (Amazon Ad Server)", "ads"),
        ("loadm.exelator.com", "eXelate (Nielsen)", "analytics"),
        ("bcp.crwdcntrl.net", "Lotame", "analytics"),
        ("a-fds.youborafds01.com", "NPAW (Youbora)", "analytics"),
        ("init.supersonicads.com", "ironSource (Unity)", "ads"),
        ("i.w55c.net", "DataXu (Roku OneView)", "ads"),
        ("ad.auditude.com", "Auditude (Adobe Primetime)", "ads"),
        ("api.singular.net", "Singular", "analytics"),
        ("ads.eyeviewads.com", "Eyeview", "ads"),
        ("match.prod.bidr.io", "Beeswax (Comcast)", "ads"),
    ],
)
def test_ctv_ad_and_data_companies_are_known(
    bundled: TrackerMatcher, name: str, company: str, category: str
) -> None:
    verdict = bundled.classify(name)
    assert verdict.tracker, name
    assert verdict.info is not None
    assert (verdict.info.company, verdict.info.category) == (company, category)


@pytest.mark.parametrize(
    "name",
    [
        *("www.optimizely.com", "fyber.com", "www.fyber.com", "tapad.com", "www.gumgum.com"),
        *("www.singular.net", "admob.com", "triplelift.com"),
        # Media paths of ad companies: radio streams through AdsWizz, Chinese TV apps' playlists.
        *("npr-news.streaming.adswizz.com", "yle-radio-x3m-1-cdn.streaming.adswizz.com"),
        *("cf-npr.streaming.adswizz.com", "pl.youku.com", "mp4.res.hunantv.com"),
        "uapi.adrise.tv",  # AdRise is Tubi's former name: its API, not only its ads
    ],
)
def test_sdk_company_sites_and_media_paths_stay_reachable(
    bundled: TrackerMatcher, name: str
) -> None:
    assert not bundled.classify(name).tracker, name


@pytest.mark.parametrize(
    ("name", "company", "devices"),
    [
        ("metrics.apple.com", "Apple", ("speaker", "streamer")),
        ("securemetrics.apple.com", "Apple", ("speaker", "streamer")),
        ("metrics5.data.hicloud.com", "Huawei", ("tv",)),
        ("logservice1.hicloud.com", "Huawei", ("tv",)),
    ],
)
def test_nextdns_apple_and_huawei_files(
    bundled: TrackerMatcher, name: str, company: str, devices: tuple[str, ...]
) -> None:
    hit = bundled.match(name)
    assert hit is not None, name
    assert hit.source.startswith("nextdns:native-tracking-domains/")
    assert (hit.company, tuple(sorted(hit.devices))) == (company, devices)


def test_v2fly_ads_entries_golden() -> None:
    text = (
        "# comment @ads\n"
        "include:other @ads\n"
        "keyword:adserver @ads\n"
        "regexp:^ad[0-9]+\\.example\\.com$ @ads\n"
        "domain:Tracker.Example.com @ads\n"
        "full:log.example.com @cn @ads # trailing\n"
        "plain.example.com\n"
        "ads.example.com @cn\n"
        "mpush.example.com @ads\n"
        "httpdns.example.com @ads\n"
        "doh.example.net @ads\n"
    )
    assert bundle_lists.v2fly_ads(text) == {"tracker.example.com", "log.example.com"}


@pytest.mark.parametrize(
    ("name", "company", "category"),
    [
        ("ads-uo.api.leiniao.com", "TCL (Leiniao)", "ads"),
        ("log.hunantv.com", "Mango TV (Hunan TV)", "telemetry"),
        ("yk-ssp.ad.youku.com", "Youku (Alibaba)", "ads"),
        ("mbdlog.iqiyi.com", "iQIYI", "ads"),
    ],
)
def test_v2fly_entries_are_attributed(
    bundled: TrackerMatcher, name: str, company: str, category: str
) -> None:
    hit = bundled.match(name)
    assert hit is not None, name
    assert hit.source == "v2fly:domain-list-community @ads"
    assert (hit.company, hit.category) == (company, category)


def test_v2fly_push_and_vendor_functions_are_not_loaded(bundled: TrackerMatcher) -> None:
    text = (DATA / "v2fly-ads.txt").read_text(encoding="utf-8")
    assert "push.qq.com" not in text.split()
    result = parse_blocklist(text, "v2fly-ads.txt")
    assert "a.market.xiaomi.com" in result.withheld
    assert not bundled.classify("a.market.xiaomi.com").tracker


def test_ad_company_parent_of_an_allowed_name_classifies_but_is_not_enforced(
    bundled: TrackerMatcher,
) -> None:
    """FreeWheel's v.fwmrm.net covers every network's ad host; one is allow-listed.

    The parent classifies the others (an SDK-scope company has no other services),
    the allow rule keeps its own name, and the parent is not enforced (it would
    block the allowed name); names a list gives one by one are enforced.
    """
    enforced = set(bundled.domains())
    other = bundled.classify("7cb77.v.fwmrm.net")
    assert other.tracker
    assert other.info is not None
    assert (other.info.rule, other.info.company) == ("v.fwmrm.net", "FreeWheel (Comcast)")
    assert not bundled.classify("2ecd5.v.fwmrm.net").tracker
    assert "v.fwmrm.net" not in enforced
    assert "fwmrm.net" not in enforced
    assert "1f2e7.v.fwmrm.net" in enforced
    # Overriding the allow rule enforces the parent, never the company's whole domain.
    overridden = set(bundled.with_overrides(["hbo-max-roku-freewheel"]).domains())
    assert "v.fwmrm.net" in overridden
    assert "fwmrm.net" not in overridden
    # Other entries at an ad company's registrable domain still load.
    assert [d for d, _ in parse_blocklist("litix.io\n", "tv-anudeep-adservers.txt").rules] == [
        "litix.io"
    ]
    # Under a device maker's domain a parent of an allow-listed name stays out.
    assert parse_blocklist("samsungqbe.com\n", "tv-anudeep-adservers.txt").rules == ()
