"""What a Snoop Guard lab is made of: addresses, devices, and the LabInfo it hands out.

stdlib only; imported by the lab's modules and by tests (``LabInfo``, ``DeviceInfo``).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LAB_DIR = Path(__file__).resolve().parent
DNSQ = LAB_DIR / "dnsq.py"
HTTPD = LAB_DIR / "httpd.py"
TRAFFIC = LAB_DIR / "traffic.py"
ANNOUNCE = LAB_DIR / "announce.py"

LAN_SUPERNET = ipaddress.ip_network("198.18.0.0/16")
WAN_NET = ipaddress.ip_network("203.0.113.0/24")
WAN_ROUTER_IP = "203.0.113.1"
WAN_DNS_IP = "203.0.113.2"
CATCH_ALL_IP = "203.0.113.99"
TRACKERS: dict[str, str] = {
    "gz-data.com": "203.0.113.10",
    "gozendata.com": "203.0.113.11",
    "samba.tv": "203.0.113.12",
    "alphonso.tv": "203.0.113.13",
    "device-metrics-us.amazon.com": "203.0.113.14",
}
STREAMING: dict[str, str] = {
    "nflxvideo.net": "203.0.113.20",
    "www.youtube.com": "203.0.113.21",
}
# A DNS-over-HTTPS resolver of the lab's internet, under a public DoH bootstrap name
# (HTTP on port 443: address-based detection and blocking need no TLS).
DOH_RESOLVERS: dict[str, str] = {"dns.google": "203.0.113.53"}
LOCK_FILE = Path("/run/lock/snoop-guard-lab.lock")
STATE_FILE = "lab-state.json"
INFO_FILE = "lab.json"
RESERVED_DEVICE_NAMES = {"router", "r", "wan", "w", "host", "root", "ha"}


@dataclass(frozen=True)
class DeviceSpec:
    name: str
    short: str  # netns suffix and router port suffix
    kind: str
    hostname: str
    oui: str
    index: int
    domains: tuple[str, ...]
    profile: str | None = None  # lab/announce.py profile (mDNS/SSDP announcements)
    vendor_class: str | None = None  # DHCP option 60


DEVICE_SPECS: tuple[DeviceSpec, ...] = (
    # 14:11:5d = "Skyworth Digital Technology(Shenzhen) Co.,Ltd" (IEEE MA-L)
    DeviceSpec(
        "tv",
        "tv",
        "tv",
        "Skyworth-TV",
        "14:11:5d",
        1,
        ("gz-data.com", "gozendata.com", "samba.tv", "alphonso.tv", "nflxvideo.net"),
        profile="skyworth-tv",
        vendor_class="android-dhcp-11",
    ),
    # 00:0e:58 = Sonos, Inc.
    DeviceSpec(
        "speaker",
        "sp",
        "speaker",
        "Sonos-Kitchen",
        "00:0e:58",
        2,
        ("device-metrics-us.amazon.com", "www.youtube.com"),
        profile="sonos",
    ),
    # f4:f5:d8 = Google, Inc. (IEEE MA-L): a Chromecast, no traffic of its own
    DeviceSpec("streamer", "st", "streamer", "Chromecast", "f4:f5:d8", 3, (), profile="chromecast"),
    # da:a1:19: locally administered (randomised "private Wi-Fi address") -- a phone that
    # announces nothing
    DeviceSpec(
        "phone", "ph", "phone", "Pixel-7", "da:a1:19", 4, (), vendor_class="android-dhcp-14"
    ),
)
PROFILES: dict[str, str] = {s.name: s.profile for s in DEVICE_SPECS if s.profile}
TRAFFIC_DOMAINS: dict[str, tuple[str, ...]] = {s.name: s.domains for s in DEVICE_SPECS}


class LabError(RuntimeError):
    """The lab could not be built or operated."""


@dataclass
class DeviceInfo:
    name: str
    netns: str
    mac: str
    ip: str
    hostname: str | None
    kind: str


@dataclass
class LabInfo:
    prefix: str
    lan_cidr: str
    router_ip: str
    host_ip: str
    ssh_port: int
    ssh_user: str
    ssh_key_path: str
    ssh_key_text: str
    ssh_host_key: str
    dnsmasq_log: str
    dhcp_leases: str
    dnsmasq_conf_dir: str
    dnsmasq_restart: str
    wan: dict[str, Any]
    devices: list[DeviceInfo] = field(default_factory=list)
    # extras (not part of the original contract, handy for tests and tools)
    state_dir: str = ""
    router_netns: str = ""
    wan_netns: str = ""
    host_iface: str = ""
    ssh_known_hosts: str = ""
    wan_http_log: str = ""
    wan_dnsmasq_log: str = ""
    announce: bool = False  # devices announce themselves (mDNS/SSDP), see lab/announce.py

    def device(self, name: str) -> DeviceInfo:
        for dev in self.devices:
            if dev.name == name:
                return dev
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LabInfo:
        known = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in data.items() if k in known}
        kw["devices"] = [DeviceInfo(**d) for d in data.get("devices", [])]
        return cls(**kw)


# --------------------------------------------------------------------------- helpers


def is_lab_ip(ip: str, lan: ipaddress.IPv4Network | None) -> bool:
    addr = ipaddress.ip_address(ip)
    return addr in WAN_NET or (lan is not None and addr in lan) or addr.is_loopback
