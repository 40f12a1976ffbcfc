"""Hand-curated tracker domains of smart TVs, streamers and speakers.

Every row carries the public source that ties the domain to the company and
purpose. Accuracy matters more than volume: a domain is only listed when a
measurement study, a public traffic capture or a maintained blocklist attributes
it. A curated rule matches the domain and all of its subdomains, and its
attribution wins over the bundled Perflyst lists.
"""

from __future__ import annotations

from .curated_ctv import CTV_ROWS
from .curated_native import NATIVE_ROWS
from .curated_row import CuratedRow

__all__ = ["CURATED", "CuratedRow"]


_IMC2024 = (
    "Anselmi, Vekaria, D'Souza, Callejo, Mandalari, Shafiq: 'Watching TV with the "
    "Second-Party: A First Look at Automatic Content Recognition Tracking in Smart TVs', "
    "ACM IMC 2024, arXiv:2409.06203"
)
_GOZEN = (
    "V2EX thread t/772523 (April 2021, traffic capture of a Skyworth TV's 'Gozen Data' "
    "service scanning the LAN every 10 minutes); The Register 2021-05-04 'In China, the "
    "Smart TV watches you'; Tom's Guide 'Chinese TV maker: Yes, our Android TVs spied on "
    "customers' (2021); privacy-protection-tools/anti-AD issue #402"
)
_PERFLYST = "Perflyst/PiHoleBlocklist SmartTV.txt"
_HAGEZI_SAMSUNG = "hagezi/dns-blocklists native.samsung entry (GPL list, cited as evidence only)"
_PETS2020 = (
    "Varmarken, Le, Shuba, Markopoulou, Shafiq: 'The TV is Smart and Full of Trackers: "
    "Measuring Smart TV Advertising and Tracking', PoPETs 2020(2):129-154, arXiv:1911.03447 "
    "(ATS organisations per platform: SpotX large on Roku, Alphabet on Roku and Fire TV)"
)
_CCS2019 = (
    "Mohajeri Moghaddam, Acar, Burgess, Mathur, Huang, Feamster, Felten, Mittal, Narayanan: "
    "'Watching You Watch: The Tracking Ecosystem of Over-the-Top TV Streaming Devices', "
    "ACM CCS 2019 (abstract: trackers on 69% of Roku and 89% of Fire TV channels; DoubleClick, "
    "Google Analytics, Amazon Adsystem and SpotXchange among the most contacted tracker domains)"
)

# Citations of the rows added for issue 14 (vendor documentation first; a public
# list's entry or issue is cited as evidence of the fact, its file is not copied).
_ADOBE_2O7 = (
    "Adobe Experience League, Analytics implementation, 'visitorNamespace' (legacy "
    "AppMeasurement stored visitor cookies on a subdomain of 2o7.net); FadeMind/hosts.extras "
    "add.2o7Net"
)
_ADOBE_OMTRDC = (
    "Adobe Analytics / Target / Media heartbeat collection hosts (*.sc./*.tt./*.hb.omtrdc.net) "
    "in StevenBlack/hosts trackers data (MIT)"
)
_ADOBE_AAM = (
    "Adobe Experience League, Audience Manager 'Data Collection and Product Integration FAQ' "
    "(dpm.demdex.net) and 'Audience Manager cookies' (demdex cookie: unique visitor id)"
)
_COMSCORE = (
    "comScore tag loaded from b.scorecardresearch.com (drupal.org comScore module); "
    "hagezi/dns-blocklists issue #5642 (sb.scorecardresearch.com)"
)
_FREEWHEEL = (
    "FreeWheel (Comcast) ad server: ads.stickyadstv.com user-matching endpoint with "
    "partner id 'FW' in publishers' prebid sync configs; cdn.stickyadstv.com mapped to FreeWheel"
)
_MIXPANEL = "Mixpanel API reference, Overview: Ingestion API api.mixpanel.com / api-eu / api-in"
_BUGSNAG = (
    "Bugsnag SDK default endpoints (bugsnag_flutter BugsnagEndpointConfiguration: error "
    "reports to notify.bugsnag.com, sessions to sessions.bugsnag.com; bugsnag-android 4.5.0 "
    "release note: a session on each app launch)"
)
_BRANCH = (
    "Branch Android SDK (BranchMetrics/android-branch-deep-linking-attribution) PrefHelper "
    "API base URL https://api2.branch.io/ (api.branch.io on old Android); Perflyst "
    "android-tracking.txt (api.branch.io)"
)
_TV_INSIGHT = (
    "TV-Insight HbbTV audience measurement: rbredtech/tv-insight-hbbtv-tracking-script "
    "(session.tvping.com, sampling.tvping.com, consent.tvping.com); "
    "internet-sicherheit/Tracking-and-Transparency-Mechanisms-in-the-HbbTV-Ecosystem "
    "(tvping.com counted as a tracker on HbbTV channels)"
)
_AMAZON_ADS = (
    "Perflyst/PiHoleBlocklist issue #149 (mads.amazon.com, Fire TV ads) and AmazonFireTV.txt "
    "(mads-eu.amazon.com); hagezi/dns-blocklists issue #134 (mads*.amazon.com blocked, no breakage)"
)
_AVIARY = (
    "Perflyst/PiHoleBlocklist issue #118 (aviary.amazon.com/.co.uk/.de from a Fire TV); "
    "hagezi/dns-blocklists issue #134 (aviary.amazon.* blocked, Fire TV and Alexa still work)"
)
_HAGEZI_AMAZON = "hagezi/dns-blocklists native.amazon entry (GPL list, cited as evidence only)"
_SAMSUNG_ADOBE = (
    "Samsung's Adobe Analytics collection CNAMEs: blocklistproject/Lists issue #822 and "
    "jerryn70/GoodbyeAds issue #193 (smetrics./nmetrics.samsung.com, samsung-com.112.2o7.net)"
)
_XIAOMI_TV = (
    "vokins/yhosts issue #84 (Xiaomi TV / Mi Box: api.ad.xiaomi.com, stat.pandora.xiaomi.com, "
    "logonext.tv.kuyun.com); hagezi/dns-blocklists issue #4478 (Xiaomi device ad domains)"
)
_XIAOMI_ADS = "easylist/easylist issue #2113 (||*.ad.mi.com, ||*.ad.xiaomi.com); " + _XIAOMI_TV

_MPARTICLE = (
    "mParticle Roku SDK (mParticle/mparticle-roku-sdk mParticleCore.brs: events to "
    "nativesdks.mparticle.com, identity to identity.mparticle.com)"
)
_SEGMENT = (
    "Segment's Roku client (segmentio/analytics-roku SegmentAnalytics.brs: apiHost "
    "api.segment.io, settings from cdn-settings.segment.com)"
)
_AMPLITUDE = (
    "Amplitude Swift SDK for iOS and tvOS (amplitude/Amplitude-Swift Constants.swift: "
    "DEFAULT_API_HOST api2.amplitude.com, EU_DEFAULT_API_HOST api.eu.amplitude.com)"
)
_DATADOG = (
    "Datadog SDK for Roku (DataDog/dd-sdk-roku datadogSdk.bs: intake hosts per site, "
    "browser-intake-datadoghq.com, -us3-, -us5-, -ap1-, browser-intake-datadoghq.eu)"
)
_NEWRELIC = (
    "New Relic Roku video agent (newrelic/video-agent-roku NRAgent.brs: insights-collector, "
    "mobile-collector, log-api, log-api.eu and metric-api .newrelic.com)"
)
_SENTRY = (
    "Sentry for tvOS (sentry.io/for/tvos) and Sentry Apple SDK docs: events go to the DSN "
    "host, o<org>.ingest.sentry.io"
)
_DOUBLEVERIFY = (
    "DoubleVerify ad verification tag (dvtp_src script requesting tps<n>.doubleverify.com); "
    "icebond/UpdatePIHole huluads.txt (tps30.doubleverify.com among Hulu-on-Roku ad hosts)"
)

_FIRELOG = (
    "Google data transport CCT backend used by Firebase on Android (CCTDestination: "
    "DEFAULT_END_POINT firebaselogging.googleapis.com/v0cc/log/batch, LEGACY_END_POINT "
    "firebaselogging-pa.googleapis.com/v1/firelog/legacy/batchlog; Crashlytics reports to "
    "crashlyticsreports-pa.googleapis.com)"
)
_CONVIVA = (
    "Conviva LivePass player integrations (Conviva.LivePass.init / SERVICE_URL "
    "livepass.conviva.com); bitmovin/bitmovin-player-roku-analytics-conviva (Roku, cws.conviva.com)"
)

_TVS = ("tv", "streamer")
_FIRE = ("streamer", "speaker", "tv")

_ROWS: tuple[CuratedRow, ...] = (
    # Gozen Data: TV audience-measurement SDK shipped on Skyworth (Coocaa) TVs that
    # scanned the local network and uploaded hostnames, MACs, IPs and nearby SSIDs.
    CuratedRow(
        "gz-data.com",
        "Gozen Data",
        "network-scanning",
        _GOZEN,
        vendors=("Skyworth",),
        devices=("tv",),
    ),
    CuratedRow(
        "gozendata.com", "Gozen Data", "telemetry", _GOZEN, vendors=("Skyworth",), devices=("tv",)
    ),
    CuratedRow("gzads.com", "Gozen Data", "ads", _GOZEN, vendors=("Skyworth",), devices=("tv",)),
    # Samsung (Tizen): in-house ACR, ACR logging and ads.
    CuratedRow(
        "acr-us-prd.samsungcloud.tv",
        "Samsung",
        "acr",
        _IMC2024,
        vendors=("Samsung",),
        devices=("tv",),
    ),
    CuratedRow(
        "acr-eu-prd.samsungcloud.tv",
        "Samsung",
        "acr",
        _IMC2024,
        vendors=("Samsung",),
        devices=("tv",),
    ),
    # The same ACR service in Samsung's other regions (IMC 2024 measured the US and UK TVs,
    # which used acr-us-prd / acr-eu-prd): the regional twins are in hagezi's native.samsung.
    *(
        CuratedRow(
            f"acr-{region}-prd.samsungcloud.tv",
            "Samsung",
            "acr",
            _IMC2024 + " (acr-us-prd / acr-eu-prd); this regional twin: " + _HAGEZI_SAMSUNG,
            vendors=("Samsung",),
            devices=("tv",),
        )
        for region in ("au", "br", "ca", "in", "kr", "mx")
    ),
    CuratedRow(
        "acr0.samsungcloudsolution.com",
        "Samsung",
        "acr",
        _IMC2024 + "; Perflyst SmartTV.txt keeps it commented out after a breakage report",
        vendors=("Samsung",),
        devices=("tv",),
    ),
    CuratedRow(
        "samsungacr.com",
        "Samsung",
        "acr",
        _IMC2024 + "; Perflyst/PiHoleBlocklist PR #14 (log-ingestion-eu.samsungacr.com)",
        vendors=("Samsung",),
        devices=("tv",),
    ),
    CuratedRow(
        "samsungads.com",
        "Samsung Ads",
        "ads",
        _PERFLYST + " Samsung section (samsungads.com, ads.samsungads.com)",
        vendors=("Samsung",),
        devices=("tv",),
    ),
    CuratedRow(
        "samsungadhub.com",
        "Samsung Ads",
        "ads",
        _PERFLYST + " Samsung section (samsungadhub.com, ad./rd.samsungadhub.com)",
        vendors=("Samsung",),
        devices=("tv",),
    ),
    # LG (webOS): ACR is run by Alphonso (LG Ad Solutions), ads by LG Smart Ad.
    CuratedRow(
        "alphonso.tv",
        "Alphonso (LG Ad Solutions)",
        "acr",
        _IMC2024 + " (LG ACR endpoints *.alphonso.tv); " + _PERFLYST,
        vendors=("LG",),
        devices=("tv",),
    ),
    CuratedRow(
        "lgsmartad.com",
        "LG Ad Solutions",
        "ads",
        _PERFLYST + " LG section (us.ad./us.info./jp.info.lgsmartad.com)",
        vendors=("LG",),
        devices=("tv",),
    ),
    CuratedRow(
        "lgad.cjpowercast.com",
        "LG Ad Solutions",
        "ads",
        _PERFLYST + " LG section (lgad.cjpowercast.com.edgesuite.net, its Akamai edge name)",
        vendors=("LG",),
        devices=("tv",),
    ),
    # Vizio: Inscape ACR ("Smart Interactivity") talks to tvinteractive.tv.
    CuratedRow(
        "tvinteractive.tv",
        "Vizio (Inscape)",
        "acr",
        "Perflyst/PiHoleBlocklist PR #68 (Vizio section: control*.tvinteractive.tv), "
        "PR #69 and issue #127 (Vizio TV phoning home to *.tvinteractive.tv)",
        vendors=("Vizio",),
        devices=("tv",),
    ),
    # Samba TV: ACR on Sony, Toshiba and other TVs.
    CuratedRow(
        "samba.tv",
        "Samba TV",
        "acr",
        _PERFLYST + " Sony Bravia and Toshiba sections (*.cid.samba.tv)",
        vendors=("Sony", "Toshiba"),
        devices=("tv",),
    ),
    # Roku.
    CuratedRow(
        "logs.roku.com",
        "Roku",
        "telemetry",
        _PERFLYST
        + " Roku section (scribe./cooper./midland./austin./liberty./mobile.logs.roku.com)",
        vendors=("Roku",),
        devices=("streamer", "tv"),
    ),
    CuratedRow(
        "ravm.tv",
        "Roku",
        "ads",
        "Perflyst/PiHoleBlocklist PR #68 (Roku section: ravm.tv, display.ravm.tv); "
        "lightswitch05/hosts issue #230 (Roku home-screen ads)",
        vendors=("Roku",),
        devices=("streamer", "tv"),
    ),
    # Amazon (Fire TV, Echo, Prime Video).
    CuratedRow(
        "device-metrics-us.amazon.com",
        "Amazon",
        "telemetry",
        _PERFLYST + "; Perflyst/PiHoleBlocklist issue #131",
        vendors=("Amazon",),
        devices=("streamer", "speaker", "tv"),
    ),
    CuratedRow(
        "device-metrics-us-2.amazon.com",
        "Amazon",
        "telemetry",
        "Perflyst/PiHoleBlocklist issue #131 (Prime Video telemetry); RPiList/specials issue #1408",
        vendors=("Amazon",),
        devices=("streamer", "speaker", "tv"),
    ),
    CuratedRow(
        "amazon-adsystem.com",
        "Amazon Ads",
        "ads",
        "Amazon Ads serving domain (aax-*, mads.*); Perflyst AmazonFireTV.txt "
        "(aax-eu.amazon-adsystem.com); " + _CCS2019,
        vendors=("Amazon",),
        devices=("streamer", "tv"),
    ),
    # Xiaomi (Mi TV / PatchWall).
    CuratedRow(
        "tracking.intl.miui.com",
        "Xiaomi",
        "telemetry",
        _PERFLYST + " Xiaomi Mi TV section",
        vendors=("Xiaomi",),
        devices=("tv", "streamer"),
    ),
    CuratedRow(
        "data.mistat.intl.xiaomi.com",
        "Xiaomi",
        "analytics",
        _PERFLYST + " Xiaomi Mi TV section",
        vendors=("Xiaomi",),
        devices=("tv", "streamer"),
    ),
    CuratedRow(
        "sdkconfig.ad.intl.xiaomi.com",
        "Xiaomi",
        "ads",
        _PERFLYST + " Xiaomi Mi TV section",
        vendors=("Xiaomi",),
        devices=("tv", "streamer"),
    ),
    # Audience measurement and ad tech seen on TVs.
    CuratedRow(
        "imrworldwide.com",
        "Nielsen",
        "analytics",
        "Nielsen Digital Content Ratings collection domain; Perflyst AmazonFireTV.txt "
        "(secure-eu.imrworldwide.com)",
        vendors=(),
        devices=("tv", "streamer"),
    ),
    CuratedRow(
        "ioam.de",
        "INFOnline",
        "analytics",
        "INFOnline (German IVW audience measurement); Perflyst SmartTV.txt and "
        "AmazonFireTV.txt (de./script./config.ioam.de)",
        vendors=(),
        devices=("tv", "streamer"),
    ),
    CuratedRow(
        "smartclip.net",
        "smartclip",
        "ads",
        _PERFLYST + " LG and HbbTV sections (smartclip.net, *.hbbtv.smartclip.net)",
        vendors=("LG",),
        devices=("tv",),
    ),
    CuratedRow(
        "smartclip.com",
        "smartclip",
        "ads",
        _PERFLYST + " LG section (smartclip.com)",
        vendors=("LG",),
        devices=("tv",),
    ),
    # Ad and analytics services of streaming-device channels (app SDKs).
    CuratedRow(
        "spotxchange.com",
        "SpotX",
        "ads",
        f"{_PETS2020}; {_CCS2019}",
        vendors=("Roku",),
        devices=("tv", "streamer"),
    ),
    CuratedRow(
        "spotx.tv", "SpotX", "ads", _PETS2020, vendors=("Roku",), devices=("tv", "streamer")
    ),
    CuratedRow(
        "doubleclick.net",
        "Google",
        "ads",
        f"{_PETS2020}; {_CCS2019}",
        vendors=("Roku", "Amazon"),
        devices=("tv", "streamer"),
    ),
    CuratedRow(
        "google-analytics.com",
        "Google",
        "analytics",
        _CCS2019,
        vendors=("Roku", "Amazon"),
        devices=("tv", "streamer"),
    ),
    # Ad, analytics and crash-report SDK endpoints of TV/streamer apps (the whole
    # registrable domain is the tracker's, else the exact collection hosts).
    CuratedRow("2o7.net", "Adobe (Omniture)", "analytics", _ADOBE_2O7, devices=_TVS),
    CuratedRow("omtrdc.net", "Adobe", "analytics", _ADOBE_OMTRDC, devices=_TVS),
    CuratedRow("demdex.net", "Adobe (Audience Manager)", "analytics", _ADOBE_AAM, devices=_TVS),
    CuratedRow("scorecardresearch.com", "comScore", "analytics", _COMSCORE, devices=_TVS),
    CuratedRow("stickyadstv.com", "FreeWheel (Comcast)", "ads", _FREEWHEEL, devices=_TVS),
    CuratedRow("tvping.com", "TV-Insight", "analytics", _TV_INSIGHT, devices=("tv",)),
    *(
        CuratedRow(host, "Mixpanel", "analytics", _MIXPANEL, devices=_TVS)
        for host in ("api.mixpanel.com", "api-eu.mixpanel.com", "api-in.mixpanel.com")
    ),
    *(
        CuratedRow(host, "Bugsnag (SmartBear)", "telemetry", _BUGSNAG, devices=_TVS)
        for host in ("notify.bugsnag.com", "sessions.bugsnag.com")
    ),
    *(
        CuratedRow(host, "Branch", "analytics", _BRANCH, devices=_TVS)
        for host in ("api.branch.io", "api2.branch.io")
    ),
    # Amazon (Fire TV, Echo, Prime Video): exact hosts, never amazon.com or a2z.com.
    CuratedRow("mads.amazon.com", "Amazon Ads", "ads", _AMAZON_ADS, ("Amazon",), _FIRE),
    *(
        CuratedRow(host, "Amazon", "telemetry", _AVIARY, ("Amazon",), _FIRE)
        for host in ("aviary.amazon.com", "aviary.amazon.co.uk", "aviary.amazon.de")
    ),
    *(
        CuratedRow(host, "Amazon", "telemetry", _HAGEZI_AMAZON, ("Amazon",), _FIRE)
        for host in ("unagi-na.amazon.com", "unagi-eu.amazon.com", "minerva.devices.a2z.com")
    ),
    CuratedRow(
        "telemetry.insights.video.a2z.com",
        "Amazon (Prime Video)",
        "telemetry",
        _HAGEZI_AMAZON + " (global./<region>.telemetry.insights.video.a2z.com)",
        ("Amazon",),
        _FIRE,
    ),
    CuratedRow(
        "bugsnag.appstore.a2z.com",
        "Amazon (Appstore, via Bugsnag)",
        "telemetry",
        "Perflyst AmazonFireTV.txt third-party section (notify.firetv.bugsnag.appstore.a2z.com); "
        + _BUGSNAG,
        ("Amazon",),
        _FIRE,
    ),
    # Samsung: Adobe Analytics CNAME (nmetrics. is in the bundled NextDNS list) and the
    # diagnostics monitor, exact hosts only.
    CuratedRow(
        "smetrics.samsung.com",
        "Samsung (Adobe Analytics)",
        "analytics",
        _SAMSUNG_ADOBE,
        ("Samsung",),
    ),
    *(
        CuratedRow(
            host,
            "Samsung",
            "telemetry",
            "badmojr/1Hosts issue #490 (Samsung diagnostics domains " + host + ")",
            ("Samsung",),
        )
        for host in ("diagmon-serviceapi.samsungdm.com", "diagmon-policy.samsungdm.com")
    ),
    # Xiaomi (Mi TV / Mi Box, China): ad and statistics hosts, and Kuyun's TV log host.
    *(
        CuratedRow(host, "Xiaomi", "ads", _XIAOMI_ADS, ("Xiaomi",), ("tv", "streamer"))
        for host in ("ad.xiaomi.com", "ad.mi.com")
    ),
    CuratedRow(
        "stat.pandora.xiaomi.com",
        "Xiaomi",
        "analytics",
        _XIAOMI_TV,
        ("Xiaomi",),
        ("tv", "streamer"),
    ),
    CuratedRow(
        "logonext.tv.kuyun.com",
        "Kuyun (TV data service)",
        "telemetry",
        _XIAOMI_TV,
        ("Xiaomi",),
        ("tv", "streamer"),
    ),
    # Analytics, monitoring and ad-verification SDKs with a TV platform build
    # (Roku, tvOS): their collection hosts, from the SDKs' own sources.
    *(
        CuratedRow(host, "mParticle", "analytics", _MPARTICLE, devices=_TVS)
        for host in ("nativesdks.mparticle.com", "identity.mparticle.com")
    ),
    *(
        CuratedRow(host, "Segment (Twilio)", "analytics", _SEGMENT, devices=_TVS)
        for host in ("api.segment.io", "cdn-settings.segment.com")
    ),
    *(
        CuratedRow(host, "Amplitude", "analytics", _AMPLITUDE, devices=_TVS)
        for host in ("api2.amplitude.com", "api.eu.amplitude.com")
    ),
    *(
        CuratedRow(host, "Datadog", "telemetry", _DATADOG, devices=_TVS)
        for host in (
            "browser-intake-datadoghq.com",
            "browser-intake-us3-datadoghq.com",
            "browser-intake-us5-datadoghq.com",
            "browser-intake-ap1-datadoghq.com",
            "browser-intake-datadoghq.eu",
        )
    ),
    *(
        CuratedRow(host, "New Relic", "telemetry", _NEWRELIC, devices=_TVS)
        for host in (
            "insights-collector.newrelic.com",
            "mobile-collector.newrelic.com",
            "log-api.newrelic.com",
            "log-api.eu.newrelic.com",
            "metric-api.newrelic.com",
        )
    ),
    CuratedRow("ingest.sentry.io", "Sentry", "telemetry", _SENTRY, devices=_TVS),
    *(
        CuratedRow(host, "DoubleVerify", "ads", _DOUBLEVERIFY, devices=_TVS)
        for host in ("tps.doubleverify.com", "tps30.doubleverify.com")
    ),
    # Android TV apps' Firebase logging and Crashlytics transport; Conviva video analytics.
    *(
        CuratedRow(host, "Google (Firebase)", "telemetry", _FIRELOG, devices=_TVS)
        for host in (
            "firebaselogging.googleapis.com",
            "firebaselogging-pa.googleapis.com",
            "crashlyticsreports-pa.googleapis.com",
        )
    ),
    *(
        CuratedRow(host, "Conviva", "analytics", _CONVIVA, devices=_TVS)
        for host in ("livepass.conviva.com", "cws.conviva.com")
    ),
)

# The hand-written rows above, then the rows for hosts that vendor native-tracking
# lists name, each confirmed by a source of its own (curated_native.py).
CURATED: tuple[CuratedRow, ...] = (*_ROWS, *NATIVE_ROWS, *CTV_ROWS)
