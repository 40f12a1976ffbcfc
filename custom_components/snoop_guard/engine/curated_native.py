"""Curated rows for tracker hosts that vendor native-tracking lists name.

Vendor "native tracker" lists (for example hagezi's native.samsung and
native.xiaomi, GPL, fetched at run time as default subscriptions and never
bundled) name hosts that the permissively licensed bundled lists do not. A host
from them is written here only when a source of its own says what it is: the
company's developer documentation, its SDK's source, a decompiled vendor app's
endpoint constants or a blocklist maintainer's statement. The native list is
cited as the place the device-specific name was seen, never copied.

Narrow on purpose: where a company's registrable domain also carries its web
site, sign-in, surveys or playback (qualtrics.com, beusable.net, appnext.com,
gitv.tv), only the collection hosts are listed, not the domain. Hosts the
research found no source for (Xiaomi ``mon.*``, ``adsmeasurement.com``, the
legacy ``hitbox.com`` names, Amazon ``aan.*``, ``forester.a2z.com`` and Prime
Video's ``bugs.firebat`` hosts, Roku ``bdp.roku.com``, LG ``wiseconfig``) are
left to the lists and the suspected tier, and hosts a source calls functional
(Roku's Continue Watching ``userdata.sr.roku.com``, LG's ``ngfts`` artwork
downloads, Prime Video's ``videorolls`` trailers) are not listed.
"""

from __future__ import annotations

from .curated_row import CuratedRow

__all__ = ["NATIVE_ROWS"]

_SEEN_SAMSUNG = "seen in hagezi/dns-blocklists domains/native.samsung.txt (GPL, cited only)"
_SEEN_XIAOMI = "seen in hagezi/dns-blocklists domains/native.xiaomi.txt (GPL, cited only)"
_SEEN_AMAZON = "seen in hagezi/dns-blocklists domains/native.amazon.txt (GPL, cited only)"

_INSIDER = (
    "Insider (useinsider.com) integration docs, 'How does Insider work': the tag is "
    "//{partner}.api.useinsider.com/ins.js and reports every page view; EasyPrivacy "
    "maintainer in ryanbr/fanboy-adblock#986; " + _SEEN_SAMSUNG
)
_QUALTRICS = (
    "Qualtrics Website/App Feedback snippet loads zn<id>-<brand>.siteintercept.qualtrics.com/"
    "WRSiteInterceptEngine; hagezi/dns-blocklists#4848 (trackers under *.siteintercept, the "
    "rest of qualtrics.com is surveys); privacy-protection-tools/anti-AD#434 (blocking all "
    "of qualtrics.com broke surveys)"
)
_BEUSABLE = (
    "Beusable (4Grit) UX-analytics tracking code: the install snippet loads "
    "rum.beusable.net/load/<site id>?url=<page> and script.beusable.net/rum.*.js, "
    "beusable.net/en/faq ('tracking code', 'collected data'); www. and forum.beusable.net "
    "are the company's site"
)
_ADOBE_EDGE = (
    "Adobe Experience League, Web SDK 'edgeDomain': the SDK sends its data to a "
    "<org>.data.adobedc.net name or, by default, edge.adobedc.net"
)
_ATTENTIVE = (
    "attentive-mobile/attentive-android-sdk AttentiveApi.java (tag from cdn.attn.tv/<brand>/"
    "dtag.js, brand host <brand>.attn.tv, identity and purchase events to "
    "events.attentivemobile.com); docs.attentive.com Attentive tag SDK"
)
_APPNEXT = (
    "AdguardTeam/AdguardFilters pull #50942 (Appnext ad and conversion endpoints on "
    "admin.appnext.com; blocking all of appnext.com questioned: it is the company's site); "
    "appnext/native_ads_examples README (in-app ads with OEMs and operators); " + _SEEN_SAMSUNG
)
_DT_IGNITE = (
    "Digital Turbine docs, DT Ignite services onboarding guide (on-device app delivery and "
    "monetization that carriers and OEMs preinstall); Branch docs 'SingleTap by Digital "
    "Turbine' (ad clicks via delivers.dtignite.com); UAD-NG uad_lists.json com.dti.samsung "
    "(Digital Turbine, preinstalls apps); company site is digitalturbine.com"
)
_YOYI = (
    "YOYI Tech (en.yoyi.com.cn), a programmatic DSP / ad exchange; " + _SEEN_SAMSUNG + " (its "
    "corporate site shares yoyi.com.cn, so only this name)"
)
_GITV_ADS = (
    "GITV / iQIYI TV (com.gala.video) AdApi: MIXER = mixer.cupid.ptqy.gitv.tv builds the "
    "boot-screen ad request ('cupid' is iQIYI's ad system); privacy-protection-tools/anti-AD "
    "lib/black_domain_list.php TV-box section (api.cupid.ptqy.gitv.tv); " + _SEEN_XIAOMI
)
_GITV_PINGBACK = (
    "GITV / iQIYI TV (com.gala.video) pingback constants: LONGYUAN4_ENDPOINT msg.ptqy.gitv.tv, "
    "LONGYUAN_ENDPOINT msg.video.ptqy.gitv.tv, YINHE_PINGBACK_HOST_NAME pb.bi.gitv.tv/gitv_pb "
    "(launcher log with the device MAC); " + _SEEN_XIAOMI
)
_SAMSUNG_DQA = (
    "Universal Android Debloater uad_lists.json (0x192 and -next-generation), "
    "com.samsung.android.dqagent 'Device Quality Agent': diagnostic logging agent with "
    "https://dc.dqa.samsung.com hard-coded; " + _SEEN_SAMSUNG + " (dls-udc., dls-ddc.)"
)
_SAMSUNG_RUBIN = (
    "Samsung Customization Service app (com.samsung.android.rubin.app, decompiled in "
    "extremerom/com_samsung_android_rubin_app smali/q8/a.smali): RubinService clients on "
    "orsplc.di.runestone.samsung.com and api.runestone.samsung.com behind the "
    "customization-service consent flag; UAD-NG uad_lists.json (usage data collected for "
    "customised ads; samsung.com/us/account/customization-service); " + _SEEN_SAMSUNG
)

_ASSOCIATES = (
    "Amazon Associates (affiliate) product widgets and link tracking: ghostery/trackerdb "
    "db/patterns/amazon_associates.eno (assoc-amazon.com/.ca/.co.uk/.de/.fr/.jp, advertising; "
    "rcm.amazon.com, rcm-it/-jp/-uk product-link iframes); s9e/TextFormatter MediaEmbed "
    "amazon.xml (2018: ws-na/ws-eu/ws-fe.assoc-amazon.com/widgets/cm?...&t=<associate tag>); "
    "the programme's own site is affiliate-program.amazon.com"
)
_AMAZON_INSIGHTS = (
    "Amazon Insights SDK (com.amazon.insights): ERSRequestBuilder's default event endpoint "
    "https://applab-sdk.amazon.com/1.0 (gzipped event batches with an x-amzn-UniqueId header) "
    "and DefaultABTestClient's treatments; " + _SEEN_AMAZON
)
_AMAZON_MADS = (
    "Amazon Mobile Ads SDK (com.amazon.device.ads) DEFAULT_MADS_ENDPOINT mads.amazon.com, "
    "regional twins mads-eu/mads-fe; hagezi/dns-blocklists#134 (mads*.amazon.com blocked, "
    "Fire TV and Alexa still work); " + _SEEN_AMAZON
)

_SAMSUNG = ("Samsung",)
_AMAZON_DEVICES = ("tv", "streamer", "speaker")

NATIVE_ROWS: tuple[CuratedRow, ...] = (
    # Marketing, feedback and web-analytics services in Samsung's apps and web views.
    CuratedRow("api.useinsider.com", "Insider", "analytics", _INSIDER),
    CuratedRow("siteintercept.qualtrics.com", "Qualtrics", "analytics", _QUALTRICS),
    *(
        CuratedRow(host, "Beusable (4Grit)", "analytics", _BEUSABLE)
        for host in ("rum.beusable.net", "script.beusable.net")
    ),
    *(
        CuratedRow(host, "Beusable (4Grit)", "analytics", f"{_BEUSABLE}; {_SEEN_SAMSUNG}", _SAMSUNG)
        for host in ("samsungrum.beusable.net", "samsungscript.beusable.net")
    ),
    *(
        CuratedRow(host, "Adobe", "analytics", _ADOBE_EDGE)
        for host in ("data.adobedc.net", "edge.adobedc.net")
    ),
    *(
        CuratedRow(host, "Attentive", "analytics", _ATTENTIVE)
        for host in ("attn.tv", "events.attentivemobile.com")
    ),
    # Preinstalled app-install and app-recommendation ads on OEM Android devices.
    *(
        CuratedRow(host, "Appnext", "ads", _APPNEXT)
        for host in ("admin.appnext.com", "samsung.appnext.com")
    ),
    CuratedRow("dtignite.com", "Digital Turbine", "ads", _DT_IGNITE),
    CuratedRow("samsungott.sora.yoyi.com.cn", "YOYI Tech", "ads", _YOYI, _SAMSUNG, ("tv",)),
    # Samsung's own diagnostics and customisation (personalised ads) data collection.
    CuratedRow("dqa.samsung.com", "Samsung", "telemetry", _SAMSUNG_DQA, _SAMSUNG),
    *(
        CuratedRow(host, "Samsung", "telemetry", _SAMSUNG_RUBIN, _SAMSUNG)
        for host in ("di.runestone.samsung.com", "api.runestone.samsung.com")
    ),
    # Amazon Associates (affiliate ads), Amazon's app analytics SDK and mobile ads.
    *(
        CuratedRow(host, "Amazon Associates", "ads", _ASSOCIATES, ("Amazon",))
        for host in (
            *("assoc-amazon.com", "assoc-amazon.ca", "assoc-amazon.co.uk", "assoc-amazon.de"),
            *("assoc-amazon.fr", "assoc-amazon.jp"),
            *("rcm.amazon.com", "rcm-it.amazon.it", "rcm-jp.amazon.co.jp", "rcm-uk.amazon.co.uk"),
        )
    ),
    *(
        CuratedRow(host, "Amazon Associates", "ads", f"{_ASSOCIATES}; {_SEEN_AMAZON}", ("Amazon",))
        for host in ("assoc-amazon.it", "assoc-amazon.es")
    ),
    CuratedRow(
        "applab-sdk.amazon.com",
        "Amazon",
        "analytics",
        _AMAZON_INSIGHTS,
        ("Amazon",),
        _AMAZON_DEVICES,
    ),
    CuratedRow(
        "mads-fe.amazon.com", "Amazon Ads", "ads", _AMAZON_MADS, ("Amazon",), _AMAZON_DEVICES
    ),
    # iQIYI's TV platform (GITV) on Xiaomi TVs: ads and pingback logging, not playback.
    CuratedRow(
        "cupid.ptqy.gitv.tv", "GITV (iQIYI TV)", "ads", _GITV_ADS, ("Xiaomi",), ("tv", "streamer")
    ),
    *(
        CuratedRow(
            host, "GITV (iQIYI TV)", "telemetry", _GITV_PINGBACK, ("Xiaomi",), ("tv", "streamer")
        )
        for host in ("msg.ptqy.gitv.tv", "msg.video.ptqy.gitv.tv", "pb.bi.gitv.tv")
    ),
)
