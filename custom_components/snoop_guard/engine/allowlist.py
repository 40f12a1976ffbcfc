"""The functional allow-list: names a TV, streamer or speaker needs to work.

An allow rule wins over every tracker rule that matches the same name, whatever
the source and however specific the tracker rule is, unless the user overrides
it (see :meth:`TrackerMatcher.with_overrides`). Rows are connectivity checks,
time sync, firmware/app updates, account login/DRM and streaming playback CDNs.
Each row says why the name is needed and where that is documented.

``kind`` is ``"exact"`` (only that name) or ``"suffix"`` (the name and all of
its subdomains). Ids are stable: users' overrides refer to them.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["FUNCTIONAL_ALLOW", "AllowRow"]


class AllowRow(NamedTuple):
    """One functional allow rule."""

    id: str
    domain: str
    kind: str  # "exact" or "suffix"
    reason: str
    citation: str
    vendors: tuple[str, ...] = ()


_SMARTTV = "Perflyst/PiHoleBlocklist SmartTV.txt keeps it commented out"
_FIRETV = "Perflyst/PiHoleBlocklist AmazonFireTV.txt keeps it commented out"
_ANDROID = "Perflyst/PiHoleBlocklist android-tracking.txt keeps it commented out"
_ANUDEEP = "anudeepND/whitelist domains/whitelist.txt"
_LG_309 = "hagezi/dns-blocklists issue #309 (tested LG webOS allow-list: "
_WEBOSBREW = (
    "webosbrew/webos-homebrew-channel services/startup.sh ('Block software update servers') "
    "and issue #131 (blocking it removed the update notification)"
)
_ANUDEEP_OPT = "anudeepND/whitelist domains/optional-list.txt"
_AOSP_PROBE = (
    "AOSP NetworkStack NetworkMonitor: default captive-portal probe URLs "
    "(http://connectivitycheck.gstatic.com/generate_204, "
    "https://www.google.com/generate_204, fallback http://play.googleapis.com/generate_204)"
)

FUNCTIONAL_ALLOW: tuple[AllowRow, ...] = (
    # -- connectivity checks -------------------------------------------------
    AllowRow(
        "android-connectivity-check",
        "connectivitycheck.gstatic.com",
        "exact",
        "Android / Google TV connectivity (captive-portal) check; blocked, the TV reports "
        "'no internet' and apps refuse to start",
        _AOSP_PROBE,
        ("Google",),
    ),
    AllowRow(
        "android-connectivity-fallback",
        "play.googleapis.com",
        "exact",
        "Android connectivity-check fallback and Play Store API",
        _AOSP_PROBE,
        ("Google",),
    ),
    AllowRow(
        "google-clients1",
        "clients1.google.com",
        "exact",
        "Chromecast / Google TV service endpoint",
        _ANDROID + ": '# clients1.google.com (blocks chromecast)'",
        ("Google",),
    ),
    AllowRow(
        "google-clients3",
        "clients3.google.com",
        "exact",
        "older Android connectivity check (generate_204) and Google services",
        _ANUDEEP,
        ("Google",),
    ),
    AllowRow(
        "android-clients",
        "android.clients.google.com",
        "exact",
        "Google Play services check-in and app downloads on Android TV",
        _ANUDEEP,
        ("Google",),
    ),
    AllowRow(
        "apple-captive-check",
        "captive.apple.com",
        "exact",
        "Apple TV / HomePod connectivity check (captive.apple.com/hotspot-detect.html)",
        "Apple captive-network detection URL used by iOS, tvOS and macOS",
        ("Apple",),
    ),
    AllowRow(
        "apple-xp-updates",
        "xp.apple.com",
        "exact",
        "Apple TV / HomePod software updates and Apple TV+ sign-up (also Apple's analytics host)",
        "Apple support article 101555 'Use Apple products on enterprise networks' lists "
        "xp.apple.com under software updates for macOS, iOS and tvOS; hagezi/dns-blocklists#930 "
        "(HomePod update search loops when it is blocked) and #1609 (kept only in the native "
        "list because updates fail on some devices); uBlockOrigin/uAssets#27937 (Apple TV+ "
        "registration broke, EasyList now blocks only its /report/ paths)",
        ("Apple",),
    ),
    AllowRow(
        "adobe-primetime-manifest",
        "manifest.auditude.com",
        "suffix",
        "Adobe Primetime Ad Insertion manifest server: streaming apps fetch the programme's "
        "playlist from it, with the ads stitched in",
        "Adobe Experience League, Primetime Ad Insertion bootstrap URL "
        "(https://manifest.auditude.com/auditude/variant/<publisher asset id>/"
        "<base64 of the content URL>.m3u8, which returns the content's master playlist); "
        "anudeepND/blacklist adservers.txt lists it with Auditude's ad hosts",
    ),
    AllowRow(
        "adobe-primetime-manifest-da2",
        "manifest.da2.auditude.com",
        "suffix",
        "Adobe Primetime Ad Insertion manifest server (a second deployment of the one above)",
        "named like the manifest server in Adobe Experience League's Primetime Ad Insertion "
        "bootstrap URL; anudeepND/blacklist adservers.txt lists it next to it",
    ),
    AllowRow(
        "panasonic-connectivity-eu",
        "mhc-eu.myhomescreen.tv",
        "exact",
        "Panasonic TV internet connectivity",
        _SMARTTV + ": 'required for internet connectivity'",
        ("Panasonic",),
    ),
    AllowRow(
        "panasonic-connectivity-us",
        "mhc-us.myhomescreen.tv",
        "exact",
        "Panasonic TV internet connectivity",
        _SMARTTV + ": 'required for internet connectivity'",
        ("Panasonic",),
    ),
    AllowRow(
        "panasonic-connection-test",
        "mhc-ajax-eu.myhomescreen.tv",
        "exact",
        "Panasonic TV internet connection test",
        _SMARTTV + ": 'internet connection test'",
        ("Panasonic",),
    ),
    AllowRow(
        "panasonic-apps-eu",
        "mhc-xpana-eu.myhomescreen.tv",
        "exact",
        "Panasonic TV app start",
        _SMARTTV + ": 'required to start apps'",
        ("Panasonic",),
    ),
    AllowRow(
        "samsung-ping-test",
        "lcprd1.samsungcloudsolution.net",
        "exact",
        "Samsung TV network ping test",
        _SMARTTV + ": 'ping test, no beaconing' (PiHoleBlocklist issue #112)",
        ("Samsung",),
    ),
    # -- time sync -----------------------------------------------------------
    AllowRow(
        "android-ntp",
        "time.android.com",
        "exact",
        "Android / Google TV network time; wrong time breaks TLS and DRM",
        "AOSP frameworks/base core/res/res/values/config.xml: config_ntpServer",
        ("Google",),
    ),
    AllowRow(
        "ntp-pool",
        "pool.ntp.org",
        "suffix",
        "NTP Pool vendor zones used for time sync (e.g. 2.android.pool.ntp.org)",
        _FIRETV + " under '# ntp / time' (#2.android.pool.ntp.org); " + _ANUDEEP,
    ),
    AllowRow(
        "firetv-ntp",
        "ftv-smp.ntp-fireos.com",
        "exact",
        "Fire TV network time",
        _FIRETV + " under '# ntp / time'",
        ("Amazon",),
    ),
    AllowRow(
        "samsung-time",
        "time.samsungcloudsolution.com",
        "exact",
        "Samsung TV time service; blocked, Plex, YouTube and Prime Video stop working",
        _SMARTTV + ": 'if blocked, services like Plex, YouTube and Amazon Video not working "
        "anymore on some Samsung TV's'; " + _ANUDEEP_OPT + " (Samsung TV's Amazon Prime Video app)",
        ("Samsung",),
    ),
    AllowRow(
        "sharp-time",
        "time-a.timefreq.bldrdoc.gov",
        "exact",
        "NIST time server used by Sharp TVs (Opera OS)",
        _SMARTTV + ": 'probably not a good idea to block this one'",
        ("Sharp",),
    ),
    # -- firmware and app updates ----------------------------------------------
    AllowRow(
        "samsung-update-otn",
        "samsungotn.net",
        "suffix",
        "Samsung TV firmware update check and download",
        _SMARTTV + ": 'system update check on Samsung UE65RU7455', "
        "'www.samsungotn.net # required for software update'",
        ("Samsung",),
    ),
    AllowRow(
        "samsung-update-otnprd8",
        "otnprd8.samsungcloudsolution.net",
        "exact",
        "Samsung TV software update",
        _SMARTTV + ": 'required for software update'",
        ("Samsung",),
    ),
    AllowRow(
        "samsung-update-otnprd9",
        "otnprd9.samsungcloudsolution.net",
        "exact",
        "Samsung TV software update",
        _SMARTTV + ": 'required for software update'",
        ("Samsung",),
    ),
    AllowRow(
        "samsung-update-otnprd10",
        "otnprd10.samsungcloudsolution.net",
        "exact",
        "Samsung TV software update",
        _SMARTTV + ": 'required for software update'",
        ("Samsung",),
    ),
    AllowRow(
        "samsung-update-otnprd11",
        "otnprd11.samsungcloudsolution.net",
        "exact",
        "Samsung TV software update",
        _SMARTTV + ": 'required for software update'",
        ("Samsung",),
    ),
    AllowRow(
        "samsung-update-cdn",
        "otn.samsungcloudcdn.com",
        "exact",
        "Samsung TV firmware download",
        _SMARTTV + ": 'Prevents updates on UE49KS7000 and QE55Q9FNA' (PiHoleBlocklist issue #60)",
        ("Samsung",),
    ),
    AllowRow(
        "samsung-update-check",
        "cdn.samsungcloudsolution.com",
        "exact",
        "Samsung TV system update check",
        _SMARTTV
        + ": 'System update check on Samsung UE40F5500'; "
        + _ANUDEEP_OPT
        + " (Samsung smart TV's network issue)",
        ("Samsung",),
    ),
    AllowRow(
        "sony-update",
        "update.biv.sony.tv",
        "exact",
        "Sony Bravia firmware update",
        _SMARTTV + ": 'required for updates'",
        ("Sony",),
    ),
    AllowRow(
        "firetv-updates",
        "softwareupdates.amazon.com",
        "exact",
        "Fire TV system updates",
        _FIRETV + " under '# updates'",
        ("Amazon",),
    ),
    AllowRow(
        "firetv-app-install",
        "mas-ext.amazon.com",
        "exact",
        "Fire TV app installation",
        _FIRETV + ": 'required for apps to be installed'",
        ("Amazon",),
    ),
    AllowRow(
        "hdhomerun-firmware-tuner",
        "tuner-api.hdhomerun.com",
        "exact",
        "HDHomeRun firmware update",
        _SMARTTV + ": 'required for firmware update'",
        ("SiliconDust",),
    ),
    AllowRow(
        "hdhomerun-firmware-location",
        "location-api.hdhomerun.com",
        "exact",
        "HDHomeRun firmware update",
        _SMARTTV + ": 'required for firmware update'",
        ("SiliconDust",),
    ),
    AllowRow(
        "yamaha-update",
        "avpro.global.yamaha.com",
        "exact",
        "Yamaha AV receiver system updates",
        _SMARTTV + ": 'Blocks system updates on RX-V685'",
        ("Yamaha",),
    ),
    AllowRow(
        "panasonic-firmware",
        "vcs.vdspf.com",
        "exact",
        "Panasonic TV firmware download",
        _SMARTTV + ": 'if blocked, notified of new firmware but unable to download/install'",
        ("Panasonic",),
    ),
    # -- vendor login, store and TV services -----------------------------------
    AllowRow(
        "lg-sdp-us",
        "us.lgtvsdp.com",
        "exact",
        "LG webOS service delivery platform (store, apps, login)",
        _SMARTTV + " (PiHoleBlocklist issue #117)",
        ("LG",),
    ),
    AllowRow(
        "lg-content-store-thumbnails",
        "ngfts.lge.com",
        "exact",
        "LG Content Store thumbnails",
        _SMARTTV + ": 'blocks thumbnails from loading in the LG Content Store'",
        ("LG",),
    ),
    AllowRow(
        "samsung-account",
        "auth.samsungosp.com",
        "exact",
        "Samsung account login",
        _SMARTTV + ": 'if blocked, samsung accounts will fail to authenticate'",
        ("Samsung",),
    ),
    AllowRow(
        "samsung-appstore-login",
        "infolink.pavv.co.kr",
        "exact",
        "Samsung TV app store and login",
        _SMARTTV + ": 'Needed for appstore and login on Samsung UE40F5500'",
        ("Samsung",),
    ),
    AllowRow(
        "samsung-tv-plus",
        "osb-ussvc.samsungqbe.com",
        "exact",
        "Samsung TV Plus",
        _SMARTTV + ": 'required for TV Plus'",
        ("Samsung",),
    ),
    AllowRow(
        "samsung-gpm",
        "gpm.samsungqbe.com",
        "exact",
        "Samsung TV connection problems when blocked",
        _SMARTTV + ": 'Numerous connection problems, e.g. #82'",
        ("Samsung",),
    ),
    AllowRow(
        "philips-apps-portal",
        "deviceportal.nettvservices.com",
        "exact",
        "Philips TV apps",
        _SMARTTV + ": 'needed for apps'",
        ("Philips",),
    ),
    AllowRow(
        "philips-epg",
        "epg.corio.com",
        "exact",
        "Philips TV apps / programme guide",
        _SMARTTV + ": 'needed for apps'",
        ("Philips",),
    ),
    AllowRow(
        "vizio-api",
        "api.vizio.com",
        "exact",
        "Vizio smart TV features",
        _SMARTTV + ": 'Required for Vizio smart tv features'",
        ("Vizio",),
    ),
    AllowRow(
        "netflix-secure",
        "secure.netflix.com",
        "exact",
        "Netflix app login",
        _SMARTTV + ": 'secure, api-global, and appboot break Netflix'; " + _ANUDEEP_OPT,
        ("Netflix",),
    ),
    AllowRow(
        "netflix-api-global",
        "api-global.netflix.com",
        "exact",
        "Netflix app API",
        _SMARTTV + ": 'secure, api-global, and appboot break Netflix'; " + _ANUDEEP_OPT,
        ("Netflix",),
    ),
    AllowRow(
        "netflix-appboot",
        "appboot.netflix.com",
        "exact",
        "Netflix app start",
        _SMARTTV + ": 'secure, api-global, and appboot break Netflix'; " + _ANUDEEP_OPT,
        ("Netflix",),
    ),
    AllowRow(
        "netflix-nccp",
        "nrdp.nccp.netflix.com",
        "exact",
        "Netflix playback licence / session control",
        _SMARTTV + ": 'Netflix playback fails on Humax DTR-T2100 (YouView) STB'",
        ("Netflix",),
    ),
    AllowRow(
        "spotify-tv",
        "api-tv.spotify.com",
        "exact",
        "Spotify TV app",
        _SMARTTV + ": 'required for TV and PS4 spotify app'",
        ("Spotify",),
    ),
    AllowRow(
        "hbbtv-zdf",
        "hbbtv.zdf.de",
        "exact",
        "ZDF HbbTV app start",
        _SMARTTV + ": 'Blocks ZDF apps from starting.'",
    ),
    AllowRow(
        "hbbtv-redbutton",
        "hbbtv.redbutton.de",
        "exact",
        "ZDF & ProSieben HbbTV app start",
        _SMARTTV + ": 'Blocks ZDF & ProSieben apps from starting.'",
    ),
    AllowRow(
        "hbbtv-prosieben",
        "hbbtv.prosieben.de",
        "exact",
        "ProSieben HbbTV app start",
        _SMARTTV + ": 'Blocks ProSieben apps from starting.'",
    ),
    # -- streaming playback CDNs --------------------------------------------------
    AllowRow(
        "netflix-playback-cdn",
        "nflxvideo.net",
        "suffix",
        "Netflix video playback (Open Connect appliances, "
        "e.g. ipv4-c001-xxx-ix.1.oca.nflxvideo.net)",
        "Netflix Open Connect: video is served from *.nflxvideo.net appliances",
        ("Netflix",),
    ),
    AllowRow(
        "youtube-playback-cdn",
        "googlevideo.com",
        "suffix",
        "YouTube video playback (rN---sn-*.googlevideo.com, manifest./redirector.googlevideo.com)",
        _ANUDEEP
        + " (manifest.googlevideo.com, redirector.googlevideo.com); "
        + _ANUDEEP_OPT
        + " (Roku TV CW and NBC app: redirector.googlevideo.com)",
        ("Google",),
    ),
    AllowRow(
        "youtube-thumbnails",
        "i.ytimg.com",
        "exact",
        "YouTube thumbnails in the TV app",
        _ANUDEEP,
        ("Google",),
    ),
    AllowRow(
        "prime-video-cdn",
        "aiv-cdn.net",
        "suffix",
        "Prime Video playback CDN (manifests and segments)",
        "Prime Video DASH manifests and segments are served from *.aiv-cdn.net",
        ("Amazon",),
    ),
    AllowRow(
        "prime-video-delivery",
        "aiv-delivery.net",
        "suffix",
        "Prime Video playback delivery",
        "Prime Video media delivery host names (*.aiv-delivery.net)",
        ("Amazon",),
    ),
    AllowRow(
        "pluto-tv-stitcher",
        "stitcher.pluto.tv",
        "exact",
        "Pluto TV playback (stream stitcher)",
        _ANUDEEP_OPT + " (# Pluto.tv)",
        ("Pluto TV",),
    ),
    # -- issue 14: vendor functions the added bundled lists must not break -------
    AllowRow(
        "lg-cover-art-rdx2",
        "us.rdx2.lgtvsdp.com",
        "exact",
        "LG content store service; blocked, cover art and app tiles stay empty",
        _LG_309 + "'Required for LG Cover Art')",
        ("LG Electronics",),
    ),
    AllowRow(
        "lg-cover-art-ngfts",
        "aic-ngfts.lge.com",
        "exact",
        "LG content service; blocked, cover art stays empty",
        _LG_309 + "'Required for LG Cover Art')",
        ("LG Electronics",),
    ),
    AllowRow(
        "lg-service-area",
        "us.ibs.lgappstv.com",
        "exact",
        "LG service location (Settings > Service Area); blocked, the setting fails",
        _LG_309 + "'Needed for Service Location Area')",
        ("LG Electronics",),
    ),
    AllowRow(
        "lg-channel-guide-internet",
        "aic.cdpsvc.lgtvcommon.com",
        "exact",
        "LG channel guide data for Internet channels",
        _LG_309 + "'Prevents Internet Channel guide data from downloading')",
        ("LG Electronics",),
    ),
    AllowRow(
        "lg-channel-guide-broadcast",
        "aic.service.lgtvcommon.com",
        "exact",
        "LG channel guide data for broadcast (OTA) channels",
        _LG_309 + "'Prevents local OTA Channel guide data from downloading')",
        ("LG Electronics",),
    ),
    AllowRow(
        "samsung-apps-oempprd",
        "oempprd.samsungcloudsolution.com",
        "exact",
        "Samsung Smart Hub app installation and updates",
        "notracking/hosts-blocklists issue #717 (blocked, the TV could not install or update apps)",
        ("Samsung",),
    ),
    AllowRow(
        "samsung-apps-osb",
        "osb-apps.samsungqbe.com",
        "exact",
        "Samsung Smart Hub app store service",
        "notracking/hosts-blocklists issue #717 (blocked, the TV could not install or update apps)",
        ("Samsung",),
    ),
    AllowRow(
        "samsung-apps-search",
        "sas.samsungcloudsolution.com",
        "exact",
        "Samsung Smart Hub app search and installation",
        "notracking/hosts-blocklists issue #717 (needed to search for and install apps)",
        ("Samsung",),
    ),
    AllowRow(
        "samsung-apps-notice",
        "notice.samsungcloudsolution.com",
        "exact",
        "Samsung Smart Hub notices; blocked, app installation and updates fail",
        "notracking/hosts-blocklists issue #717 (unblocked to install and update apps again)",
        ("Samsung",),
    ),
    AllowRow(
        "roku-captive-check",
        "captive.roku.com",
        "exact",
        "Roku connectivity (captive-portal) check",
        "hagezi/dns-blocklists issue #271",
        ("Roku",),
    ),
    AllowRow(
        "fire-tv-captive-check",
        "firetvcaptiveportal.com",
        "suffix",
        "Fire TV connectivity (captive-portal) check; blocked, the device reports no internet",
        "nickspaargaren/no-amazon issue #47",
        ("Amazon",),
    ),
    AllowRow(
        "fire-os-captive-check",
        "fireoscaptiveportal.com",
        "suffix",
        "Fire OS connectivity (captive-portal) check; blocked, the device reports no internet",
        "nickspaargaren/no-amazon issue #47",
        ("Amazon",),
    ),
    AllowRow(
        "echo-network-diagnostic",
        "diagnostic.networking.aws.dev",
        "suffix",
        "Echo connectivity check (web.diagnostic.networking.aws.dev every 5 minutes); blocked, "
        "the Alexa app shows the Echo as offline",
        "hagezi/dns-blocklists#3272 (Echo Dots reported no internet until it was allowed) and "
        "#2867 (maintainer comment: it checks network connectivity on Alexa devices)",
        ("Amazon",),
    ),
    AllowRow(
        "amazon-crl",
        "prod.amazoncrl.com",
        "exact",
        "Amazon Trust Services certificate revocation list (TLS certificate checks)",
        "EnergizedProtection/block issue #616 (allow-listed by the maintainers)",
        ("Amazon",),
    ),
    AllowRow(
        "xiaomi-tv-upgrade",
        "upgrade.mishop.pandora.xiaomi.com",
        "exact",
        "Mi TV / Mi Box system upgrade service",
        "vokins/yhosts issue #84 (Mi TV/box hosts: upgrade host kept, not an ad host)",
        ("Xiaomi",),
    ),
    AllowRow(
        "xiaomi-update",
        "update.miui.com",
        "exact",
        "Xiaomi system (OTA) update check",
        "unknownFalleN/xiaomi-dns-blocklist README (names to keep for system updates)",
        ("Xiaomi",),
    ),
    AllowRow(
        "xiaomi-update-intl",
        "update.intl.miui.com",
        "exact",
        "Xiaomi system (OTA) update check, international",
        "unknownFalleN/xiaomi-dns-blocklist issue #24",
        ("Xiaomi",),
    ),
    AllowRow(
        "xiaomi-ota-download",
        "bigota.d.miui.com",
        "exact",
        "Xiaomi system update downloads",
        "EnergizedProtection/block issue #966",
        ("Xiaomi",),
    ),
    AllowRow(
        "xiaomi-account",
        "account.xiaomi.com",
        "suffix",
        "Xiaomi account sign-in",
        "unknownFalleN/xiaomi-dns-blocklist README and xiaomi_dns_whitelist.lst",
        ("Xiaomi",),
    ),
    AllowRow(
        "xiaomi-app-store",
        "global.market.xiaomi.com",
        "exact",
        "Xiaomi app store (GetApps) service",
        "unknownFalleN/xiaomi-dns-blocklist issue #8",
        ("Xiaomi",),
    ),
    AllowRow(
        "xiaomi-remote-sources",
        "controller.intl.xiaomi.com",
        "exact",
        "Mi Remote controller code updates",
        "AdroitAdorKhan/EnergizedProtection issue #48 (blocked, Mi Remote cannot update sources)",
        ("Xiaomi",),
    ),
    AllowRow(
        "hbo-max-roku-freewheel",
        "2ecd5.v.fwmrm.net",
        "exact",
        "FreeWheel ad decisions for HBO Max on Roku; blocked, the app crashes",
        "hagezi/dns-blocklists issue #4923 (HBO Max on Roku crashed until it was allowed)",
        ("Roku",),
    ),
    # Regional twins of the rows above (e = Europe, k = Korea, india): the same service
    # under the region's host name; the source names the US / international one.
    *(
        AllowRow(
            f"lg-channel-guide-internet-{region}",
            f"{region}ic.cdpsvc.lgtvcommon.com",
            "exact",
            "LG channel guide data for Internet channels (regional host)",
            _LG_309 + "'Prevents Internet Channel guide data from downloading', aic host)",
            ("LG Electronics",),
        )
        for region in ("e", "k")
    ),
    *(
        AllowRow(
            f"lg-channel-guide-broadcast-{region}",
            f"{region}ic.service.lgtvcommon.com",
            "exact",
            "LG channel guide data for broadcast (OTA) channels (regional host)",
            _LG_309 + "'Prevents local OTA Channel guide data from downloading', aic host)",
            ("LG Electronics",),
        )
        for region in ("e", "k")
    ),
    *(
        AllowRow(
            f"lg-cover-art-ngfts-{region}",
            f"{region}ic-ngfts.lge.com",
            "exact",
            "LG content service; blocked, cover art stays empty (regional host)",
            _LG_309 + "'Required for LG Cover Art', aic-ngfts host)",
            ("LG Electronics",),
        )
        for region in ("e", "k")
    ),
    AllowRow(
        "xiaomi-remote-sources-india",
        "controller.india.xiaomi.com",
        "exact",
        "Mi Remote controller code updates (India host)",
        "AdroitAdorKhan/EnergizedProtection issue #48 (controller.intl.xiaomi.com; the India twin)",
        ("Xiaomi",),
    ),
    AllowRow(
        "fire-tv-app-store-eu",
        "mas-ext-eu.amazon.com",
        "exact",
        "Amazon Appstore service, EU host (the twin of mas-ext.amazon.com)",
        _FIRETV + " (mas-ext.amazon.com)",
        ("Amazon",),
    ),
    AllowRow(
        "alexa-api",
        "api.amazonalexa.com",
        "exact",
        "Alexa API (Echo, Fire TV voice, Alexa-enabled speakers)",
        "anudeepND/whitelist issue #115",
        ("Amazon",),
    ),
    AllowRow(
        "alexa-api-eu",
        "api.eu.amazonalexa.com",
        "exact",
        "Alexa API, EU (Echo, Fire TV voice, Alexa-enabled speakers)",
        "hagezi/dns-blocklists issue #134 (maintainer: it interferes with Alexa and Sonos)",
        ("Amazon",),
    ),
    *(
        AllowRow(
            f"alexa-voice-service-{label}",
            f"avs-alexa-{label}.amazon.com",
            "exact",
            "Alexa Voice Service endpoint: the voice requests of Echo, Fire TV and Alexa built-in "
            "speakers",
            "Amazon's AVS API overview, 'Base URLs' (avs-alexa-na/-eu/-fe.amazon.com); numbered EU "
            "hosts: blocking avs-alexa-14-eu / -4-eu broke Alexa (ShadowWhisperer/BlockLists "
            "issue #245, badmojr/1Hosts #279, a closed pull request); -19-eu by analogy with "
            "them, no report of its own",
            ("Amazon",),
        )
        for label in ("na", "eu", "fe", "4-eu", "14-eu", "19-eu")
    ),
    AllowRow(
        "fire-tv-home-tiles",
        "dp-rsm-prod.amazon.com",
        "exact",
        "Fire TV home screen content; blocked, channel and programme tiles disappear",
        "hagezi/dns-blocklists issue #4956 (unblocked by the maintainers)",
        ("Amazon",),
    ),
    AllowRow(
        "sony-registration",
        "reg.biv.sony.tv",
        "exact",
        "Sony Bravia service registration; blocked, apps such as Netflix do not open",
        "Perflyst/PiHoleBlocklist issue #55 (must stay allowed for the Netflix app to open)",
        ("Sony",),
    ),
    AllowRow(
        "sony-service",
        "service.biv.sony.tv",
        "exact",
        "Sony Bravia service endpoint; blocked, apps such as Netflix do not open",
        "Perflyst/PiHoleBlocklist issue #55 (must stay allowed for the Netflix app to open)",
        ("Sony",),
    ),
    AllowRow(
        "sony-app-list-ssm1",
        "ssm1.internet.sony.tv",
        "exact",
        "Sony Bravia app list (Internet content)",
        "notracking/hosts-blocklists issue #384 (blocked, the list of apps could not be updated)",
        ("Sony",),
    ),
    AllowRow(
        "sony-app-list-ssm3",
        "ssm3.internet.sony.tv",
        "exact",
        "Sony Bravia app list (Internet content)",
        "notracking/hosts-blocklists issue #384; Perflyst/PiHoleBlocklist issue #55",
        ("Sony",),
    ),
    AllowRow(
        "lg-firmware-snu",
        "snu.lge.com",
        "exact",
        "LG webOS software update server",
        _WEBOSBREW,
        ("LG Electronics",),
    ),
    AllowRow(
        "lg-firmware-su",
        "su.lge.com",
        "exact",
        "LG webOS software update server",
        _WEBOSBREW,
        ("LG Electronics",),
    ),
    AllowRow(
        "lg-firmware-su-ssl",
        "su-ssl.lge.com",
        "exact",
        "LG webOS software update server",
        _WEBOSBREW,
        ("LG Electronics",),
    ),
    AllowRow(
        "samsung-cloud-cdn",
        "samsungcloudcdn.com",
        "suffix",
        "Samsung firmware download CDN",
        "Perflyst/PiHoleBlocklist regex.list: its samsungcloudcdn.com rule is commented out "
        "('prevents updates')",
        ("Samsung",),
    ),
    AllowRow(
        "google-play-features",
        "play-apps-features.googleusercontent.com",
        "exact",
        "Play Store app installation and updates (Android TV / Google TV)",
        "badmojr/1Hosts issue #3833 (blocked, apps could not be installed or updated)",
        ("Google",),
    ),
    AllowRow(
        "google-downloads",
        "gvt1.com",
        "suffix",
        "Google download CDN for Play Store and system component updates",
        "hectorm/hblock issue #158 and Ealenn/AdGuard-Home-List issue #51 "
        "(blocked, app updates failed)",
        ("Google",),
    ),
)
