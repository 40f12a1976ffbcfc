"""The rule tables of the classifier (pure data): what each announcement says about a device.

Weights are per kind and combined as independent evidence by :mod:`.evidence`.
"""

from __future__ import annotations

import re

from ..classify import DeviceKind

TV, STREAMER, SPEAKER, OTHER = (
    DeviceKind.TV,
    DeviceKind.STREAMER,
    DeviceKind.SPEAKER,
    DeviceKind.OTHER,
)
VIDEO = ((TV, 0.45), (STREAMER, 0.45))

APPLE_MODELS: dict[str, str] = {
    "AppleTV2,1": "Apple TV (2nd generation)",
    "AppleTV3,1": "Apple TV (3rd generation)",
    "AppleTV3,2": "Apple TV (3rd generation)",
    "AppleTV5,3": "Apple TV HD",
    "AppleTV6,2": "Apple TV 4K",
    "AppleTV11,1": "Apple TV 4K (2nd generation)",
    "AppleTV14,1": "Apple TV 4K (3rd generation)",
    "AudioAccessory1,1": "HomePod",
    "AudioAccessory1,2": "HomePod",
    "AudioAccessory5,1": "HomePod mini",
    "AudioAccessory6,1": "HomePod (2nd generation)",
}
APPLE_ID = re.compile(r"^([A-Za-z]+)(\d{1,3}),(\d{1,3})$")
APPLE_COMPUTERS = frozenset(
    {"macbook", "macbookpro", "macbookair", "imac", "imacpro", "macmini", "macpro", "mac"}
)
APPLE_HANDHELDS = frozenset({"iphone", "ipad", "ipod", "watch"})


# Model-name / product-text rules: (regex on lower-cased text, kind weights, vendor)
TEXT_RULES: tuple[tuple[re.Pattern[str], tuple[tuple[DeviceKind, float], ...], str | None], ...]
TEXT_RULES = tuple(
    (re.compile(pattern), kinds, vendor)
    for pattern, kinds, vendor in (
        (r"chromecast audio", ((SPEAKER, 0.85),), "Google"),
        (r"^chromecast|eureka dongle", ((STREAMER, 0.9),), "Google"),
        (r"google tv streamer", ((STREAMER, 0.9),), "Google"),
        (
            r"google home|nest mini|nest audio|home mini|google nest hub|nest hub",
            ((SPEAKER, 0.9),),
            "Google",
        ),
        (r"shield android tv|^shield", ((STREAMER, 0.9),), "NVIDIA"),
        (r"\bmi ?box", ((STREAMER, 0.85),), "Xiaomi"),
        (r"\bfire ?tv ?(stick|cube)|^aft[a-z]{1,4}$", ((STREAMER, 0.8),), "Amazon"),
        (r"\becho\b|echo dot|echo show|echo studio", ((SPEAKER, 0.7),), "Amazon"),
        (
            r"roku (express|ultra|premiere|streaming stick|stick)|streaming stick|roku streambar",
            ((STREAMER, 0.75),),
            "Roku",
        ),
        (r"\broku tv\b", ((TV, 0.7),), None),
        (r"homepod", ((SPEAKER, 0.9),), "Apple"),
        (r"apple ?tv", ((STREAMER, 0.85),), "Apple"),
        (
            r"sonos|^(one|one sl|arc|arc ultra|beam|era \d+|five|move|roam|ray|sub|amp|port)$",
            ((SPEAKER, 0.6),),
            None,
        ),
        (
            r"soundbar|sound bar|\bspeaker\b|soundtouch|heos|musiccast|\bsub(woofer)?\b",
            ((SPEAKER, 0.6),),
            None,
        ),
        (r"^(avr|avc|sr|nr)-?[a-z]?\d{3,4}", ((SPEAKER, 0.55),), None),
        (r"^(yas|wx|sr-b|ats|rx-v|rx-a|tsr|ys)-?\d", ((SPEAKER, 0.5),), None),
        (r"^(srs|ht)-[a-z0-9]", ((SPEAKER, 0.5),), None),
        (r"^hw-[a-z]?\d", ((SPEAKER, 0.5),), None),
        (r"bravia|^(kd|xr|kdl|xbr|kj)-\d{2}", ((TV, 0.7),), "Sony"),
        (r"^(ue|un|qe|qn|gq|gu|hg)\d{2}[a-z]", ((TV, 0.6),), None),
        (r"^oled\d{2}|^\d{2}(un|up|uq|ur|ut|nano|qned|lm|uk)\d", ((TV, 0.6),), None),
        (r"^\d{2}(pus|oled|pfs|pfl|puh|pml|pos|phs)\d", ((TV, 0.7),), "Philips"),
        (r"^(tx|th|tc)-\d{2}", ((TV, 0.6),), None),
        (r"\bvidaa\b", ((TV, 0.8),), "Hisense"),
        (r"\bwebos\b", ((TV, 0.7),), "LG"),
        (r"\btizen\b", ((TV, 0.5),), "Samsung"),
        (
            r"^\[tv\]|\bsmart ?tv\b|\btelevision\b|\bandroid ?tv\b|\bgoogle ?tv\b|\btv\b|mitv",
            ((TV, 0.55),),
            None,
        ),
        (r"\bqled\b|\boled\b|\buhd\b|\b4k tv\b", ((TV, 0.4),), None),
        (
            r"laserjet|officejet|deskjet|envy|\bprinter\b|\bmfc-|\bhl-l|\bdcp-|pixma|ecotank"
            r"|imageclass|workforce",
            ((OTHER, 0.85),),
            None,
        ),
        (r"^ds\d{3,4}|^rs\d{3,4}|diskstation|\bnas\b|^ts-\d{3}", ((OTHER, 0.8),), None),
        (r"hue bridge|\bbsb00\d\b|^bsb0", ((OTHER, 0.85),), "Signify"),
        (
            r"macbook|\bimac\b|mac ?mini|iphone|\bipad\b|thinkpad|\blaptop\b|desktop-",
            ((OTHER, 0.7),),
            None,
        ),
    )
)


# mDNS service types without special handling: kinds, vendor, vendor weight
MDNS_TYPES: dict[str, tuple[tuple[tuple[DeviceKind, float], ...], str | None, float]] = {
    "_androidtvremote2._tcp": (VIDEO, None, 0.0),
    "_androidtvremote._tcp": (VIDEO, None, 0.0),
    "_amzn-wplay._tcp": (((STREAMER, 0.7), (TV, 0.25)), "Amazon", 0.5),
    "_amazonecho-remote._tcp": (((SPEAKER, 0.8),), "Amazon", 0.7),
    "_spotify-connect._tcp": (((SPEAKER, 0.25), (TV, 0.1)), None, 0.0),
    "_sonos._tcp": (((SPEAKER, 0.9),), "Sonos", 0.9),
    "_soundtouch._tcp": (((SPEAKER, 0.9),), "Bose", 0.8),
    "_heos-audio._tcp": (((SPEAKER, 0.8),), "Denon", 0.6),
    "_viziocast._tcp": (((TV, 0.6), (SPEAKER, 0.2)), "Vizio", 0.8),
    "_philipstv_rpc._tcp": (((TV, 0.9),), "Philips", 0.8),
    "_philipstv_s_rpc._tcp": (((TV, 0.9),), "Philips", 0.8),
    "_googlezone._tcp": (((SPEAKER, 0.5),), "Google", 0.5),
    "_mediaremotetv._tcp": (((STREAMER, 0.7),), "Apple", 0.6),
    "_touch-able._tcp": (((STREAMER, 0.6),), "Apple", 0.6),
    "_appletv-v2._tcp": (((STREAMER, 0.7),), "Apple", 0.6),
    "_airplay._tcp": (((TV, 0.15), (STREAMER, 0.15), (SPEAKER, 0.15)), None, 0.0),
    "_raop._tcp": (((SPEAKER, 0.15), (TV, 0.1), (STREAMER, 0.1)), None, 0.0),
    "_companion-link._tcp": ((), "Apple", 0.3),
    "_apple-mobdev2._tcp": (((OTHER, 0.7),), "Apple", 0.5),
    "_ipp._tcp": (((OTHER, 0.8),), None, 0.0),
    "_ipps._tcp": (((OTHER, 0.8),), None, 0.0),
    "_printer._tcp": (((OTHER, 0.8),), None, 0.0),
    "_pdl-datastream._tcp": (((OTHER, 0.8),), None, 0.0),
    "_uscan._tcp": (((OTHER, 0.7),), None, 0.0),
    "_scanner._tcp": (((OTHER, 0.7),), None, 0.0),
    "_smb._tcp": (((OTHER, 0.5),), None, 0.0),
    "_afpovertcp._tcp": (((OTHER, 0.5),), None, 0.0),
    "_adisk._tcp": (((OTHER, 0.5),), None, 0.0),
    "_nfs._tcp": (((OTHER, 0.5),), None, 0.0),
    "_workstation._tcp": (((OTHER, 0.3),), None, 0.0),
    "_ssh._tcp": (((OTHER, 0.4),), None, 0.0),
    "_sftp-ssh._tcp": (((OTHER, 0.4),), None, 0.0),
    "_rfb._tcp": (((OTHER, 0.5),), None, 0.0),
    "_dosvc._tcp": (((OTHER, 0.6),), "Microsoft", 0.3),
    "_hue._tcp": (((OTHER, 0.85),), "Signify", 0.6),
    "_shelly._tcp": (((OTHER, 0.8),), "Shelly", 0.8),
    "_esphomelib._tcp": (((OTHER, 0.8),), None, 0.0),
    "_miio._udp": (((OTHER, 0.6),), "Xiaomi", 0.5),
}

# HomeKit accessory categories (HAP ``ci``)
HAP_CATEGORIES: dict[int, tuple[str, tuple[tuple[DeviceKind, float], ...], str | None]] = {
    1: ("other", ((OTHER, 0.5),), None),
    2: ("bridge", ((OTHER, 0.75),), None),
    3: ("fan", ((OTHER, 0.75),), None),
    4: ("garage door opener", ((OTHER, 0.75),), None),
    5: ("lightbulb", ((OTHER, 0.75),), None),
    6: ("door lock", ((OTHER, 0.75),), None),
    7: ("outlet", ((OTHER, 0.75),), None),
    8: ("switch", ((OTHER, 0.75),), None),
    9: ("thermostat", ((OTHER, 0.75),), None),
    10: ("sensor", ((OTHER, 0.75),), None),
    17: ("IP camera", ((OTHER, 0.75),), None),
    18: ("video doorbell", ((OTHER, 0.75),), None),
    24: ("Apple TV", ((STREAMER, 0.8),), "Apple"),
    25: ("HomePod", ((SPEAKER, 0.8),), "Apple"),
    26: ("speaker", ((SPEAKER, 0.75),), None),
    27: ("AirPort", ((OTHER, 0.6),), "Apple"),
    31: ("television", ((TV, 0.85),), None),
    33: ("router", ((OTHER, 0.75),), None),
    34: ("audio receiver", ((SPEAKER, 0.65),), None),
    35: ("TV set-top box", ((STREAMER, 0.75),), None),
    36: ("TV streaming stick", ((STREAMER, 0.75),), None),
}

CAST_VIDEO_OUT = 1 << 0
CAST_AUDIO_OUT = 1 << 2


# SSDP search targets / notification types / device and service types.
# (prefix without version, kinds, vendor, vendor weight)
SSDP_TYPES: tuple[tuple[str, tuple[tuple[DeviceKind, float], ...], str | None, float], ...] = (
    ("urn:samsung.com:device:remotecontrolreceiver:", ((TV, 0.9),), "Samsung", 0.9),
    ("urn:samsung.com:service:multiscreenservice:", ((TV, 0.7),), "Samsung", 0.8),
    ("urn:samsung.com:device:maintvserver2:", ((TV, 0.8),), "Samsung", 0.8),
    ("urn:lge-com:service:webos-second-screen:", ((TV, 0.9),), "LG", 0.9),
    ("urn:schemas-sony-com:service:scalarwebapi:", ((TV, 0.5), (SPEAKER, 0.25)), "Sony", 0.8),
    ("urn:schemas-sony-com:service:ircc:", ((TV, 0.5),), "Sony", 0.8),
    ("roku:ecp", ((STREAMER, 0.6), (TV, 0.25)), "Roku", 0.7),
    ("urn:roku-com:", ((STREAMER, 0.5),), "Roku", 0.7),
    ("urn:dial-multiscreen-org:service:dial:", ((TV, 0.35), (STREAMER, 0.35)), None, 0.0),
    ("urn:dial-multiscreen-org:device:dial:", ((TV, 0.35), (STREAMER, 0.35)), None, 0.0),
    (
        "urn:schemas-upnp-org:device:mediarenderer:",
        ((TV, 0.3), (SPEAKER, 0.3), (STREAMER, 0.1)),
        None,
        0.0,
    ),
    ("urn:schemas-upnp-org:device:zoneplayer:", ((SPEAKER, 0.9),), "Sonos", 0.9),
    ("urn:schemas-denon-com:device:act-denon:", ((SPEAKER, 0.85),), "Denon", 0.7),
    ("urn:panasonic-com:service:p00networkcontrol:", ((TV, 0.8),), "Panasonic", 0.9),
    ("urn:panasonic-com:device:p00remotecontroller:", ((TV, 0.8),), "Panasonic", 0.9),
    ("urn:schemas-upnp-org:device:mediaserver:", ((OTHER, 0.3),), None, 0.0),
    ("urn:schemas-upnp-org:device:internetgatewaydevice:", ((OTHER, 0.85),), None, 0.0),
    ("urn:schemas-upnp-org:device:wandevice:", ((OTHER, 0.7),), None, 0.0),
    ("urn:schemas-upnp-org:device:printer:", ((OTHER, 0.85),), None, 0.0),
    ("urn:schemas-upnp-org:service:printbasic:", ((OTHER, 0.85),), None, 0.0),
    ("urn:schemas-upnp-org:device:binarylight:", ((OTHER, 0.6),), None, 0.0),
    ("urn:schemas-upnp-org:device:dimmablelight:", ((OTHER, 0.6),), None, 0.0),
    ("urn:belkin:device:", ((OTHER, 0.7),), "Belkin", 0.6),
    ("urn:schemas-wifialliance-org:device:wfadevice:", ((OTHER, 0.3),), None, 0.0),
)

SERVER_RULES: tuple[tuple[str, tuple[tuple[DeviceKind, float], ...], str | None, float], ...] = (
    ("roku", (), "Roku", 0.5),
    ("sonos", ((SPEAKER, 0.5),), "Sonos", 0.6),
    ("webos", ((TV, 0.5),), "LG", 0.6),
    ("tizen", ((TV, 0.4),), "Samsung", 0.5),
    ("samsung", (), "Samsung", 0.4),
    ("ipbridge", ((OTHER, 0.75),), "Signify", 0.6),
    ("synology", ((OTHER, 0.6),), "Synology", 0.6),
    ("heos", ((SPEAKER, 0.4),), "Denon", 0.4),
)


# modelName values that name a platform, not a product (a Chromecast's DIAL description)
GENERIC_MODELS = frozenset({"eureka dongle", "lg smart tv", "lg tv", "smart tv"})


NEGATIVE_HOSTNAME = re.compile(
    r"iphone|ipad|macbook|\bimac\b|^pixel|galaxy|oneplus|redmi|^desktop-|^laptop-|thinkpad"
    r"|^brw|^brn|laserjet|officejet|^hp[0-9a-f]{6}|^epson|^canon|^synology|^ds\d{3}"
    r"|raspberrypi|^shelly|^tasmota|^esp[-_]|^philips-hue|^hue-|^kasa|^hs1\d\d|^wemo"
)


VENDOR_CLASS_OTHER = re.compile(r"^msft |^msft$|^dhcpcd-.*-darwin|^mswin")


# Hostname substrings, checked in order (speakers and streamers before TVs so that
# "appletv" is not taken for a TV). (keyword, kind, vendor implied by the keyword)
HOSTNAME_KEYWORDS: tuple[tuple[str, DeviceKind, str | None], ...] = (
    ("sonos", DeviceKind.SPEAKER, "Sonos"),
    ("homepod", DeviceKind.SPEAKER, "Apple"),
    ("nest-audio", DeviceKind.SPEAKER, "Google"),
    ("nestaudio", DeviceKind.SPEAKER, "Google"),
    ("nest-mini", DeviceKind.SPEAKER, "Google"),
    ("nestmini", DeviceKind.SPEAKER, "Google"),
    ("google-home", DeviceKind.SPEAKER, "Google"),
    ("googlehome", DeviceKind.SPEAKER, "Google"),
    ("soundbar", DeviceKind.SPEAKER, None),
    ("speaker", DeviceKind.SPEAKER, None),
    ("chromecast", DeviceKind.STREAMER, "Google"),
    ("appletv", DeviceKind.STREAMER, "Apple"),
    ("apple-tv", DeviceKind.STREAMER, "Apple"),
    ("firetv", DeviceKind.STREAMER, "Amazon"),
    ("fire-tv", DeviceKind.STREAMER, "Amazon"),
    ("firestick", DeviceKind.STREAMER, "Amazon"),
    ("fire-stick", DeviceKind.STREAMER, "Amazon"),
    ("shield", DeviceKind.STREAMER, "NVIDIA"),
    ("mibox", DeviceKind.STREAMER, "Xiaomi"),
    ("mi-box", DeviceKind.STREAMER, "Xiaomi"),
    ("roku", DeviceKind.STREAMER, "Roku"),
    ("smarttv", DeviceKind.TV, None),
    ("smart-tv", DeviceKind.TV, None),
    ("androidtv", DeviceKind.TV, None),
    ("android-tv", DeviceKind.TV, None),
    ("googletv", DeviceKind.TV, None),
    ("google-tv", DeviceKind.TV, None),
    ("bravia", DeviceKind.TV, "Sony"),
    ("skyworth", DeviceKind.TV, "Skyworth"),
    ("coocaa", DeviceKind.TV, "Skyworth"),
    ("samsung", DeviceKind.TV, "Samsung"),
    ("tizen", DeviceKind.TV, "Samsung"),
    ("lgwebos", DeviceKind.TV, "LG"),
    ("webos", DeviceKind.TV, "LG"),
    ("lg-tv", DeviceKind.TV, "LG"),
    ("lgtv", DeviceKind.TV, "LG"),
    ("hisense", DeviceKind.TV, "Hisense"),
    ("vidaa", DeviceKind.TV, "Hisense"),
)
