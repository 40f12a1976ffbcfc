"""Golden tests for the bundled Block List Project and NextDNS lists and their provenance."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from custom_components.snoop_guard.engine.allowlist import FUNCTIONAL_ALLOW
from custom_components.snoop_guard.engine.compiled import build_matcher
from custom_components.snoop_guard.engine.perflyst import BUNDLED_LISTS, WITHHELD, parse_blocklist
from custom_components.snoop_guard.engine.trackers import TrackerMatcher

DATA = Path(__file__).resolve().parents[2] / "custom_components" / "snoop_guard" / "engine" / "data"
NEW_LISTS = [name for name in BUNDLED_LISTS if name.startswith(("blocklistproject-", "nextdns-"))]


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
