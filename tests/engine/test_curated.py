"""Golden tests for the hand-curated tracker rows: attribution, scope and the allow-list."""

from __future__ import annotations

import pytest

from custom_components.snoop_guard.engine.allowlist import FUNCTIONAL_ALLOW
from custom_components.snoop_guard.engine.compiled import build_matcher
from custom_components.snoop_guard.engine.curated import CURATED
from custom_components.snoop_guard.engine.model import CATEGORIES
from custom_components.snoop_guard.engine.names import rule_domain_problem
from custom_components.snoop_guard.engine.psl import registrable_domain
from custom_components.snoop_guard.engine.trackers import TrackerMatcher

# Main domains of vendors and SDK companies: a curated rule names a telemetry host
# below them, never the domain itself (that would block the vendor's services).
VENDOR_MAIN_DOMAINS = frozenset(
    {
        *("amazon.com", "amazon.co.uk", "amazon.de", "a2z.com", "samsung.com", "roku.com"),
        *("lge.com", "xiaomi.com", "mi.com", "vizio.com", "samsungdm.com", "kuyun.com"),
        *("mixpanel.com", "bugsnag.com", "branch.io", "samsungcloudsolution.net"),
    }
)


def _under(name: str, parent: str) -> bool:
    return name == parent or name.endswith("." + parent)


@pytest.fixture(scope="module")
def bundled() -> TrackerMatcher:
    return build_matcher()


def test_every_row_is_attributed_and_cited() -> None:
    for row in CURATED:
        assert row.company.strip(), row
        assert row.category in CATEGORIES, row
        assert len(row.source_note) > 20, row
        assert rule_domain_problem(row.domain) is None, row
        assert set(row.devices) <= {"tv", "streamer", "speaker"}, row


def test_rows_are_unique_and_never_a_vendor_main_domain() -> None:
    domains = [row.domain for row in CURATED]
    assert len(domains) == len(set(domains))
    assert not VENDOR_MAIN_DOMAINS & set(domains)
    for row in CURATED:
        registrable = registrable_domain(row.domain)
        assert registrable is not None, row
        if registrable in VENDOR_MAIN_DOMAINS:
            assert row.domain != registrable, row


def test_no_row_covers_or_sits_below_a_functional_allow_name() -> None:
    overlaps = [
        (row.domain, allow.domain)
        for row in CURATED
        for allow in FUNCTIONAL_ALLOW
        if _under(allow.domain, row.domain) or _under(row.domain, allow.domain)
    ]
    assert overlaps == []


@pytest.mark.parametrize(
    ("name", "company", "category"),
    [
        ("samsung-com.112.2o7.net", "Adobe (Omniture)", "analytics"),
        ("dpm.demdex.net", "Adobe (Audience Manager)", "analytics"),
        ("sb.scorecardresearch.com", "comScore", "analytics"),
        ("ads.stickyadstv.com", "FreeWheel (Comcast)", "ads"),
        ("session.tvping.com", "TV-Insight", "analytics"),
        ("api.mixpanel.com", "Mixpanel", "analytics"),
        ("sessions.bugsnag.com", "Bugsnag (SmartBear)", "telemetry"),
        ("api2.branch.io", "Branch", "analytics"),
        ("mads.amazon.com", "Amazon Ads", "ads"),
        ("unagi-na.amazon.com", "Amazon", "telemetry"),
        ("ipv6.unagi-na.amazon.com", "Amazon", "telemetry"),
        ("eu-west-1.prod.service.minerva.devices.a2z.com", "Amazon", "telemetry"),
        ("global.telemetry.insights.video.a2z.com", "Amazon (Prime Video)", "telemetry"),
        ("firetv.bugsnag.appstore.a2z.com", "Amazon (Appstore, via Bugsnag)", "telemetry"),
        ("smetrics.samsung.com", "Samsung (Adobe Analytics)", "analytics"),
        ("diagmon-serviceapi.samsungdm.com", "Samsung", "telemetry"),
        ("api.ad.xiaomi.com", "Xiaomi", "ads"),
        ("stat.pandora.xiaomi.com", "Xiaomi", "analytics"),
        ("logonext.tv.kuyun.com", "Kuyun (TV data service)", "telemetry"),
        # Hosts vendor native-tracking lists name, with a source of their own (curated_native).
        ("samsungusa.api.useinsider.com", "Insider", "analytics"),
        (
            "zn8qwjgdslpyjq5n3-samsungcustomerboard.siteintercept.qualtrics.com",
            "Qualtrics",
            "analytics",
        ),
        ("samsungrum.beusable.net", "Beusable (4Grit)", "analytics"),
        ("samsungcard.data.adobedc.net", "Adobe", "analytics"),
        ("samsung.attn.tv", "Attentive", "analytics"),
        ("samsung.appnext.com", "Appnext", "ads"),
        ("clientapi-samsung.dtignite.com", "Digital Turbine", "ads"),
        ("dls-udc.dqa.samsung.com", "Samsung", "telemetry"),
        ("orsplc.di.runestone.samsung.com", "Samsung", "telemetry"),
        ("t7z.cupid.ptqy.gitv.tv", "GITV (iQIYI TV)", "ads"),
        ("msg.video.ptqy.gitv.tv", "GITV (iQIYI TV)", "telemetry"),
        ("ws-na.assoc-amazon.com", "Amazon Associates", "ads"),
        ("www.assoc-amazon.de", "Amazon Associates", "ads"),
        ("rcm-uk.amazon.co.uk", "Amazon Associates", "ads"),
        ("applab-sdk.amazon.com", "Amazon", "analytics"),
        ("mads-fe.amazon.com", "Amazon Ads", "ads"),
        # Streaming apps' ad and measurement hosts (curated_ctv): CCS 2019 crawl hosts.
        ("sync.springserve.com", "SpringServe (Magnite)", "ads"),
        ("tms.truoptik.com", "Tru Optik (TransUnion)", "analytics"),
        ("node-p2e-aiv8i1.sitescout.com", "SiteScout (Basis)", "ads"),
        ("telariaeventsbidder-east.extend.tv", "Extend (ZypMedia)", "ads"),
        ("pv.surveywall-api.survata.com", "Survata (Upwave)", "analytics"),
        ("p.dlx.addthis.com", "Oracle (Datalogix)", "ads"),
        ("rtb.monarchads.com", "Monarch Ads", "ads"),
        ("krk2.kargo.com", "Kargo", "ads"),
        ("events.brightline.tv", "BrightLine", "ads"),
        ("auction.unityads.unity3d.com", "Unity", "ads"),
        ("dts.innovid.com", "Innovid (Mediaocean)", "ads"),
        ("pi.ispot.tv", "iSpot.tv", "analytics"),
        ("roku.adsmeasurement.com", "Unknown (ad measurement for Roku)", "ads"),
        ("g.dtv.cn.miaozhen.com", "Miaozhen Systems", "ads"),
        ("v.admaster.com.cn", "AdMaster", "ads"),
        ("ott.nielsenccdata.tv", "Nielsen-CCData", "ads"),
        ("tdcv3.talkingdata.net", "TalkingData", "analytics"),
        ("m.irs01.com", "iResearch", "analytics"),
        ("imgg.traffic-media.co", "TrafficMedia", "ads"),
        ("site.e.mi.com", "Xiaomi Marketing", "ads"),
    ],
)
def test_curated_attribution(
    bundled: TrackerMatcher, name: str, company: str, category: str
) -> None:
    verdict = bundled.classify(name)
    assert verdict.tracker
    assert verdict.info is not None
    assert verdict.info.source == "curated"
    assert verdict.info.company == company
    assert verdict.info.category == category
    assert verdict.info.confidence == "high"


@pytest.mark.parametrize(
    "name",
    [
        "www.amazon.com",
        "api.amazon.com",
        "devices.a2z.com",
        "www.samsung.com",
        "mixpanel.com",
        "docs.mixpanel.com",
        "app.bugsnag.com",
        "branch.io",
        "app.link",
        "www.mi.com",
        "www.kuyun.com",
        "otnprd11.samsungcloudsolution.net",
    ],
)
def test_vendor_services_next_to_curated_hosts_are_not_known_trackers(
    bundled: TrackerMatcher, name: str
) -> None:
    assert not bundled.classify(name).tracker


@pytest.mark.parametrize(
    "name",
    [
        # The companies' own sites, surveys, dashboards and a TV platform's playback.
        "www.qualtrics.com",
        "samsung.eu.qualtrics.com",
        "www.beusable.net",
        "www.appnext.com",
        "panel.useinsider.com",
        "server.adobedc.net",
        "ota.ptqy.gitv.tv",
        "time.video.ptqy.gitv.tv",
        "auth.api.gitv.tv",
        "www.samsung.com",
        "affiliate-program.amazon.com",
        "www.amazon.it",
        "userdata.sr.roku.com",
        # Streaming apps' ad companies: their sites, consoles and ad media, and the
        # platforms that deliver the channels themselves (curated_ctv).
        "www.springserve.com",
        "console.springserve.com",
        "assets.springserve.com",
        "www.kargo.com",
        "www.ispot.tv",
        "api.ispot.tv",
        "www.innovid.com",
        "video.innovid.com",
        "s-video.innovid.com",
        "www.videoamp.com",
        "unity3d.com",
        "remote-config-proxy-prd.uca.cloud.unity3d.com",
        "ssl-bbcsmarttv.2cnt.net",
        "www.miaozhen.com",
        "admaster.com.cn",
        "e.mi.com",
        "api.e.mi.com",
        "tongji.baidu.com",
        "www.baidu.com",
        "stream-us-east-1.getpublica.com",
        "api.myspotlight.tv",
        "hopx.cedexis.com",
        "www.kuyun.com",
    ],
)
def test_native_rows_stay_narrow(bundled: TrackerMatcher, name: str) -> None:
    assert not bundled.classify(name).tracker
