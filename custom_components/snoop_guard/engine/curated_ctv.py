"""Curated rows for the ad, measurement and analytics hosts of streaming apps on TVs.

Streaming channels on Roku, Fire TV and Android TV embed ad servers, ID-sync
pixels and audience measurement from companies that are not TV makers. The
study of Roku and Fire TV channels by Mohajeri Moghaddam et al. (CCS 2019) found
such hosts receiving device identifiers where the Pi-hole lists of the day did
not block them; Chinese TV video apps report to the local measurement companies
(Miaozhen, AdMaster, Nielsen CCData, Gridsum, TalkingData, iResearch).

Narrow on purpose, as in :mod:`.curated_native`:

* where the company's web site, sign-in or console shares the registrable domain
  (springserve.com, kargo.com, ispot.tv, innovid.com, videoamp.com), only the
  collection, sync or pixel hosts are listed;
* a whole registrable domain only when the company uses it for ad serving or
  measurement alone, its site being elsewhere or gone (extend.tv, sitescout.com,
  truoptik.com, irs01.com, traffic-media.co) or the company being an ad network
  and nothing else (monarchads.com);
* never hosts that carry ad *media* or an SDK (``cdn.adap.tv``, Innovid's
  ``video.`` and ``s-video.``, ``assets.springserve.com``): on TVs, a player that
  waits for its ad stalls when the creative cannot load (hagezi/dns-blocklists
  #5571, #8158). They stay in the suspected tier, which is never enforced;
* never a platform that also delivers the channel: Publica's and Wurl's streams
  carry the free channels' video, Lightcast, JunctionTV, dotstudioPRO
  (``myspotlight.tv``) and Scripps' ``ewscloud.com`` host channels and sign-in,
  Cedexis ``hopx.`` picks the CDN before playback, Gracenote's ``cddbp.net`` is
  programme-guide data. The study's ``irchan.com`` and ``ri-mobile.com`` stay out:
  no source says whose they are. Kantar's streaming measurement (``2cnt.net``)
  stays out: the BBC's TV apps report to it (``ssl-bbcsmarttv.2cnt.net``), BBC apps
  on Android TV and Chromecast are reported to fail when BBC analytics hosts are
  blocked (badmojr/1Hosts#301, StevenBlack/hosts#2410), and no test shows that
  blocking it is safe. Kuyun's domain stays a vendor domain (its TV log
  host is a row in :mod:`.curated`); its other hosts are suspected only.
"""

from __future__ import annotations

from .curated_row import CuratedRow

__all__ = ["CTV_ROWS"]

_CCS2019_PIHOLE = (
    "Mohajeri Moghaddam et al., 'Watching You Watch', ACM CCS 2019: citp/ott-tracking "
    "@9f9bbb4 src/analysis/notebooks/Pi-Hole-Eval-1KMITM.ipynb (hosts contacted in the "
    "Roku top-1K channel crawl that the Pi-hole list missed and web tracker lists block)"
)
_CCS2019_LEAKS = (
    "Mohajeri Moghaddam et al., 'Watching You Watch', ACM CCS 2019: citp/ott-tracking "
    "@9f9bbb4 src/analysis/notebooks/OTT-trackers-Roku.ipynb and OTT-trackers-Amazon.ipynb "
    "(domains that received device IDs from two or more channels, unblocked by the lists)"
)
_ROKU_FIRE = ("Roku", "Amazon")
_STREAMING = ("tv", "streamer")
_SPRINGSERVE = (
    "SpringServe (Magnite) video ad server: clients call sync.springserve.com/usersync/json "
    "and keep the user_id it returns; sign-in is console.springserve.com (PyPI springserve); "
    + _CCS2019_PIHOLE
)
_DOUBLEVERIFY = (
    "DoubleVerify ID-sync host; Disconnect's 2019 services list (in the study's repository) "
    "files DoubleVerify under Advertising; " + _CCS2019_PIHOLE
)
_JIVOX = (
    "Jivox ad creatives fire sync.jivox.com/tags/sync/usync.php (user sync); Disconnect 2019 "
    "lists Jivox as Advertising; " + _CCS2019_PIHOLE
)
_TRUOPTIK = (
    "Tru Optik (OTT audience data, now TransUnion): Ghostery's 2019 tracker database matches "
    "tms.truoptik.com/*/init.js, EasyPrivacy 2019 blocks ||truoptik.com^; the study's hosts "
    "tms. and dmp.truoptik.com; " + _CCS2019_PIHOLE
)
_SITESCOUT = (
    "SiteScout self-serve DSP (Centro, now Basis): Disconnect and Ghostery 2019 attribute all "
    "of sitescout.com to it (Advertising); the study saw generated node-p2e-<id> serving hosts "
    "that only a domain rule covers; " + _CCS2019_PIHOLE
)
_EXTEND = (
    "Extend.tv (ZypMedia; company site zypmedia.com): Disconnect 2019 files extend.tv under "
    "ZypMedia, Advertising; Ghostery 2019 sync.extend.tv; the study saw its bidder event hosts "
    "(telariaeventsbidder-east., freewheeleventsbidder-east.); " + _CCS2019_PIHOLE
)
_ANIVIEW = (
    "Aniview ad server: Prebid.js modules/aniviewBidAdapter.js defaults serverDomain to "
    "gov.aniview.com (/api/adserver/vast3/); company site aniview.com; " + _CCS2019_PIHOLE
)
_SURVATA = (
    "Survata (now Upwave) survey-wall and impression API: EasyPrivacy 2019 blocks "
    "||surveywall-api.survata.com^; the study saw pv. and ir.surveywall-api; " + _CCS2019_PIHOLE
)
_ADDTHIS = (
    "Oracle Datalogix via AddThis: the study saw its data-exchange pixel p.dlx.addthis.com; "
    + _CCS2019_PIHOLE
)
_MONARCH = (
    "Monarch Ads, a CTV ad network (Barons Media): Pixalate 'Monarch' OTT ad-fraud report "
    "(March 2020); Ghostery 2019 rtb.monarchads.com = Monarch Ads (advertising), StevenBlack "
    "2019 sync.monarchads.com; 40 Roku channels sent it device IDs; " + _CCS2019_LEAKS
)
_KARGO = (
    "Kargo: Prebid.js modules/kargoBidAdapter.js (bids to krk.kargo.com and krk2.kargo.com, "
    "user sync crb.kargo.com); EasyPrivacy 2019 ||tk.kargo.com^; sync.kargo.com in StevenBlack; "
    "16 Roku channels sent kargo.com device IDs; " + _CCS2019_LEAKS
)
_BRIGHTLINE = (
    "BrightLine interactive CTV ads: a Roku BrightLine sample channel's impression and quartile "
    "trackers are events.brightline.tv/track; Roku and Fire TV channels sent brightline.tv "
    "device IDs; " + _CCS2019_LEAKS
)
_VIDEOAMP = (
    "VideoAmp: usersync.videoamp.com fired as a VAST <Impression> ID sync in a SpotX integration "
    "test; u.videoamp.com in StevenBlack 2019; Fire TV channels sent videoamp.com device IDs; "
    + _CCS2019_LEAKS
)
_UNITY = (
    "Unity Ads in Fire TV games: tweaselORG/TrackHAR src/adapters/unity.ts (publisher-config. "
    "and auction.unityads.unity3d.com receive the advertising ID, device model and "
    "analyticsUserId); blocking it stops the games' ads and ad rewards, not the games; "
    "unity3d.com itself also carries docs, in-app purchases and Remote Config; 64 Fire TV "
    "channels connected to unity3d.com; " + _CCS2019_LEAKS
)
_INNOVID = (
    "Innovid (Mediaocean) tracking hosts: VAST <Impression> pixels on "
    "dts.innovid.com/placement/<id>/uuid and its opt-out endpoint; ag.innovid.com/dv/sync and "
    "/retargeting/pixel; the renderer and video hosts (video., s-video.), which the CCS 2019 "
    "crawl saw, are ad media and not listed"
)
_ISPOT = (
    "iSpot.tv developer documentation, Unified Measurement and Impression Pixel guide "
    "(pi.ispot.tv/v2/<TC-id>.gif placed in VAST tags for OTT/CTV impressions); Tealium iSpot.tv "
    "connector docs (pt.ispot.tv and ps.ispot.tv conversion pixels); the site and API are "
    "www./api.ispot.tv"
)
_ADSMEASUREMENT = (
    "Ad measurement hosts named after the TV platforms they measure: "
    "AdguardTeam/AdguardFilters#166043 (roku.adsmeasurement.com in a Roku's DNS log); seen in "
    "hagezi/dns-blocklists native.roku and native.samsung (GPL, cited only); owner not "
    "published, so only these two hosts"
)
_CN_OTT_SDK = (
    "an OTT VAST ad SDK for Chinese TVs (Java package com.maihehd.sdk.vast, class Statistics): "
    "'third-party monitoring domains' Miaozhen g.dtv.cn.miaozhen.com, AdMaster "
    "v.admaster.com.cn and Nielsen ott.nielsenccdata.tv, filled with the TV's MAC, Android ID, "
    "IMEI, IP and programme name"
)
_MIAOZHEN = (
    "Miaozhen Systems TV ad monitoring: "
    + _CN_OTT_SDK
    + "; OTT EPG ad configs with g.dtv.cn.miaozhen.com/x/k… monitor URLs; www.miaozhen.com is "
    "the company site"
)
_ADMASTER = (
    "AdMaster: "
    + _CN_OTT_SDK
    + "; LeTV's player appends the viewer's IP to v.admaster.com.cn monitor URLs; "
    "admaster.com.cn is the company site"
)
_NIELSEN_CC = (
    "Nielsen-CCData (China) OTT ad measurement: " + _CN_OTT_SDK + " (collection at "
    "ott.nielsenccdata.tv:50001/collection)"
)
_GRIDSUM = (
    "Gridsum web and app analytics: the gs.js tag loads from static./ssl.gridsumdissector.com "
    "and reports to recv-wd.gridsumdissector.com; the domain also carries Gridsum's internal "
    "services, so only these hosts"
)
_TALKINGDATA = (
    "TalkingData SDK (com.tendcloud.tenddata) constants: events to tdcv3.talkingdata.net, game "
    "analytics to gaandroid.talkingdata.net; a security write-up found an app sending IMEI, "
    "Wi-Fi SSID and MAC there; the company site is talkingdata.com"
)
_IRESEARCH = (
    "iResearch mobile tracker SDK (cn.com.iresearch.mapptracker) posts to m.irs01.com/rec/; "
    "a LeTV blocking PAC file lists irs01.com; the company sites are iresearch.com.cn and "
    "iresearch.cn"
)
_BAIDU_TONGJI = (
    "Baidu Tongji analytics collector hm.baidu.com (hm.js); v2fly/domain-list-community "
    "data/baidu marks it @ads (MIT); the console is tongji.baidu.com"
)
_TRAFFIC_MEDIA = (
    "TrafficMedia, a Russian-market teaser ad network: its own site traffic-media.co.uk (publisher "
    "and advertiser rules), ads served from traffic-media.co (imgg.traffic-media.co in "
    "jerryn70/GoodbyeAds' Xiaomi extension, MIT)"
)
_XIAOMI_MARKETING = (
    "Xiaomi Marketing (e.mi.com): MIUI's app-market code trusts site.e.mi.com as the ad "
    "landing-page host, advertisers post conversions to site.e.mi.com/conversionLog; the "
    "advertiser console and API (e.mi.com, api.e.mi.com) are not listed"
)
_CN_TV = ("Xiaomi", "Skyworth", "Konka", "Changhong", "TCL", "Hisense")

CTV_ROWS: tuple[CuratedRow, ...] = (
    # Roku and Fire TV channels (CCS 2019): ID syncs, ad servers, audience data.
    CuratedRow("sync.springserve.com", "SpringServe (Magnite)", "ads", _SPRINGSERVE, _ROKU_FIRE),
    CuratedRow("sync.doubleverify.com", "DoubleVerify", "ads", _DOUBLEVERIFY, _ROKU_FIRE),
    CuratedRow("sync.jivox.com", "Jivox", "ads", _JIVOX, _ROKU_FIRE),
    CuratedRow("truoptik.com", "Tru Optik (TransUnion)", "analytics", _TRUOPTIK, _ROKU_FIRE),
    CuratedRow("sitescout.com", "SiteScout (Basis)", "ads", _SITESCOUT, _ROKU_FIRE),
    CuratedRow("extend.tv", "Extend (ZypMedia)", "ads", _EXTEND, _ROKU_FIRE),
    CuratedRow("gov.aniview.com", "Aniview", "ads", _ANIVIEW, _ROKU_FIRE),
    CuratedRow("surveywall-api.survata.com", "Survata (Upwave)", "analytics", _SURVATA),
    CuratedRow("dlx.addthis.com", "Oracle (Datalogix)", "ads", _ADDTHIS),
    CuratedRow("monarchads.com", "Monarch Ads", "ads", _MONARCH, ("Roku",), _STREAMING),
    *(
        CuratedRow(host, "Kargo", "ads", _KARGO, ("Roku",))
        for host in ("krk.kargo.com", "krk2.kargo.com", "crb.kargo.com", "sync.kargo.com")
    ),
    CuratedRow("tk.kargo.com", "Kargo", "analytics", _KARGO, ("Roku",)),
    CuratedRow("events.brightline.tv", "BrightLine", "ads", _BRIGHTLINE, _ROKU_FIRE, _STREAMING),
    *(
        CuratedRow(host, "VideoAmp", "ads", _VIDEOAMP, ("Amazon",))
        for host in ("usersync.videoamp.com", "u.videoamp.com")
    ),
    CuratedRow("unityads.unity3d.com", "Unity", "ads", _UNITY, ("Amazon",), _STREAMING),
    *(
        CuratedRow(host, "Innovid (Mediaocean)", "ads", _INNOVID, ("Roku",))
        for host in ("dts.innovid.com", "ag.innovid.com")
    ),
    # TV ad measurement outside the studies' crawls (iSpot.tv's OTT impression pixels).
    *(
        CuratedRow(host, "iSpot.tv", "analytics", _ISPOT)
        for host in ("pi.ispot.tv", "pt.ispot.tv", "ps.ispot.tv")
    ),
    CuratedRow(
        "roku.adsmeasurement.com",
        "Unknown (ad measurement for Roku)",
        "ads",
        _ADSMEASUREMENT,
        ("Roku",),
        _STREAMING,
    ),
    CuratedRow(
        "samsungads.adsmeasurement.com",
        "Unknown (ad measurement for Samsung Ads)",
        "ads",
        _ADSMEASUREMENT,
        ("Samsung",),
        ("tv",),
    ),
    # Chinese TVs' video apps: ad monitoring and app analytics.
    CuratedRow("dtv.cn.miaozhen.com", "Miaozhen Systems", "ads", _MIAOZHEN, _CN_TV, ("tv",)),
    CuratedRow("v.admaster.com.cn", "AdMaster", "ads", _ADMASTER, _CN_TV, ("tv",)),
    CuratedRow("ott.nielsenccdata.tv", "Nielsen-CCData", "ads", _NIELSEN_CC, _CN_TV, ("tv",)),
    *(
        CuratedRow(host, "Gridsum", "analytics", _GRIDSUM)
        for host in (
            "recv-wd.gridsumdissector.com",
            "static.gridsumdissector.com",
            "ssl.gridsumdissector.com",
        )
    ),
    *(
        CuratedRow(host, "TalkingData", "analytics", _TALKINGDATA)
        for host in ("tdcv3.talkingdata.net", "gaandroid.talkingdata.net")
    ),
    CuratedRow("irs01.com", "iResearch", "analytics", _IRESEARCH),
    CuratedRow("hm.baidu.com", "Baidu (Tongji)", "analytics", _BAIDU_TONGJI),
    *(
        CuratedRow(host, "TrafficMedia", "ads", _TRAFFIC_MEDIA, ("Xiaomi",))
        for host in ("traffic-media.co", "traffic-media.co.uk")
    ),
    CuratedRow("site.e.mi.com", "Xiaomi Marketing", "ads", _XIAOMI_MARKETING, ("Xiaomi",)),
)
