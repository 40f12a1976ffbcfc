#!/usr/bin/env python3
"""Snoop Guard network lab: a home router with trackers-laden "internet", built from netns.

Topology (all names carry a unique per-lab prefix ``sgXXXX`` so labs can coexist)::

    root ns (Home Assistant)       <prefix>-r (router)              <prefix>-w (WAN, "internet")
    <prefix>-ha 198.18.N.2 ─ ha ─┐
    <prefix>-tv eth0 (DHCP) ─ p-tv ┼─ br0 198.18.N.1/24
    <prefix>-sp eth0 (DHCP) ─ p-sp ┤  wan0 203.0.113.1 ──────────── eth0 203.0.113.2/24
    <prefix>-cK eth0 ──────── cK ──┘  dnsmasq: DHCP + DNS            + .10-.14 trackers
                                      sshd on 198.18.N.1:22          + .20/.21 streaming, .99
                                      ip_forward=1, no NAT,          dnsmasq (answers all names)
                                      no default route               httpd on every address

* The router has no default route and the WAN namespace only knows 203.0.113.0/24 and the
  lab LAN, so nothing can leave the namespaces.  The WAN dnsmasq answers *every* name with
  a lab address (``--address=/#/203.0.113.99`` plus the tracker/streaming mappings).
* stdlib only; runs on Python 3.11+.  Must run as root.

Devices: ``tv`` (Skyworth-TV), ``speaker`` (Sonos-Kitchen), ``streamer`` (a Chromecast,
Google OUI f4:f5:d8, no traffic) and ``phone`` (Pixel-7, locally administered/randomised MAC
da:a1:19:..., DHCP vendor class android-dhcp-14, announces nothing).  With
``up(announce=True)`` / ``start_announce()`` / CLI ``--announce`` (default on with
``--traffic``) the TV, speaker and streamer run lab/announce.py: mDNS responses and
announcements on 224.0.0.251:5353, SSDP NOTIFY/M-SEARCH answers on 239.255.255.250:1900 and
their UPnP description over HTTP on their LAN IP; the root namespace hears them on
``host_iface``.  ``renew_ip(device)`` makes a device release its lease and take a new address.

Python API: ``Lab`` (context manager), ``LabInfo``, ``DeviceInfo``.  CLI::

    python3 lab/netlab.py up [--state-dir D] [--traffic [--interval S]] [--foreground]
                             [--announce | --no-announce] [--announce-interval S]
    python3 lab/netlab.py down --state-dir D        # or: down --prefix sgXXXX (sweep leftovers)
    python3 lab/netlab.py info --state-dir D
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import dataclasses
import fcntl
import hashlib
import ipaddress
import json
import os
import re
import secrets
import selectors
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
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
LOCK_FILE = Path("/run/lock/snoop-guard-lab.lock")
STATE_FILE = "lab-state.json"
INFO_FILE = "lab.json"
RESERVED_DEVICE_NAMES = {"router", "r", "wan", "w", "host", "root", "ha"}


@dataclass(frozen=True)
class _DeviceSpec:
    name: str
    short: str  # netns suffix and router port suffix
    kind: str
    hostname: str
    oui: str
    index: int
    domains: tuple[str, ...]
    profile: str | None = None  # lab/announce.py profile (mDNS/SSDP announcements)
    vendor_class: str | None = None  # DHCP option 60


DEVICE_SPECS: tuple[_DeviceSpec, ...] = (
    # 14:11:5d = "Skyworth Digital Technology(Shenzhen) Co.,Ltd" (IEEE MA-L)
    _DeviceSpec(
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
    _DeviceSpec(
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
    _DeviceSpec(
        "streamer", "st", "streamer", "Chromecast", "f4:f5:d8", 3, (), profile="chromecast"
    ),
    # da:a1:19: locally administered (randomised "private Wi-Fi address") -- a phone that
    # announces nothing
    _DeviceSpec(
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


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    path = env.get("PATH", "/usr/bin:/bin")
    for extra in ("/usr/sbin", "/sbin", "/usr/bin", "/bin"):
        if extra not in path.split(":"):
            path += ":" + extra
    env["PATH"] = path
    env["LC_ALL"] = "C"
    return env


_ENV = _env()


def _fmt(argv: Sequence[str | bytes]) -> str:
    return " ".join(
        shlex.quote(a.decode("utf-8", "backslashreplace") if isinstance(a, bytes) else a)
        for a in argv
    )


def _run(
    argv: Sequence[str | bytes],
    *,
    timeout: float = 10.0,
    check: bool = True,
    stdin_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    try:
        cp = subprocess.run(
            list(argv),
            input=stdin_text,
            stdin=None if stdin_text is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            env=_ENV,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise LabError(f"timed out after {timeout}s: {_fmt(argv)}") from err
    if check and cp.returncode != 0:
        raise LabError(f"failed (rc={cp.returncode}): {_fmt(argv)}\n{cp.stderr.strip()}")
    return cp


def _which(name: str) -> str:
    path = shutil.which(name, path=_ENV["PATH"])
    if not path:
        raise LabError(f"required program not found: {name}")
    return path


def _pid_alive(pid: int) -> bool:
    """True if pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return False
    state = stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3]
    return state not in (b"Z", b"X", b"")


def _ns_key(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _pids_in_netns(keys: Iterable[tuple[int, int]]) -> set[int]:
    """All live pids whose network namespace is one of ``keys`` (like `ip netns pids`)."""
    wanted = set(keys)
    found: set[int] = set()
    if not wanted:
        return found
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        key = _ns_key(f"/proc/{entry}/ns/net")
        if key in wanted:
            found.add(int(entry))
    found.discard(os.getpid())
    return found


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _read_pidfile(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _is_lab_ip(ip: str, lan: ipaddress.IPv4Network | None) -> bool:
    addr = ipaddress.ip_address(ip)
    return addr in WAN_NET or (lan is not None and addr in lan) or addr.is_loopback


def _hostname_bytes(hostname: str | bytes) -> bytes:
    return hostname if isinstance(hostname, bytes) else hostname.encode("utf-8", "surrogateescape")


def _udhcpc_hostname_opt(hostname: str | bytes) -> str:
    """busybox ``-x`` argument: ``hostname:NAME`` for plain names, hex option 12 otherwise."""
    raw = _hostname_bytes(hostname)
    if len(raw) > 255:
        raise ValueError("a DHCP option carries at most 255 bytes")
    if re.fullmatch(rb"[A-Za-z0-9][A-Za-z0-9._-]{0,62}", raw):
        return "hostname:" + raw.decode("ascii")
    return "0x0c:" + raw.hex()


UDHCPC_SCRIPT = """#!/bin/sh
# udhcpc event script of the Snoop Guard lab: applies the lease.  Server-supplied values
# are only ever used as quoted arguments, never evaluated.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
case "$1" in
deconfig)
    ip -4 addr flush dev "$interface"
    ip link set dev "$interface" up
    ;;
bound|renew)
    ip -4 addr flush dev "$interface"
    ip -4 addr add "$ip/${mask:-24}" brd + dev "$interface"
    gw="${router%% *}"
    if [ -n "$gw" ]; then ip -4 route replace default via "$gw" dev "$interface"; fi
    ;;
esac
exit 0
"""


# --------------------------------------------------------------------------- the lab


class Lab:
    """A throw-away router/WAN/TV/speaker network built from network namespaces."""

    def __init__(
        self,
        state_dir: Path | None = None,
        prefix: str | None = None,
        *,
        wan_ttl: int | None = None,
    ) -> None:
        if prefix is not None and not re.fullmatch(r"[a-z][a-z0-9]{1,7}", prefix):
            raise ValueError("prefix must be 2-8 chars [a-z0-9], starting with a letter")
        self._state_dir_arg = Path(state_dir) if state_dir is not None else None
        self._prefix_arg = prefix
        self._wan_ttl = wan_ttl
        self.info: LabInfo = None  # type: ignore[assignment]  # set by up()
        self.timings: dict[str, float] = {}
        self.prefix = ""
        self.state_dir: Path | None = None
        self._created_state_dir = False
        self._netns: list[str] = []
        self._etc_netns: list[str] = []
        self._ns_keys: dict[str, tuple[int, int]] = {}
        self._host_iface = ""
        self._pids: dict[str, int] = {}
        self._popen: dict[str, subprocess.Popen[bytes]] = {}
        self._traffic: dict[str, subprocess.Popen[bytes]] = {}
        self._announce: dict[str, subprocess.Popen[bytes]] = {}
        self._announce_interval = 3.0
        self._lan: ipaddress.IPv4Network | None = None
        self._clients = 0
        self._up = False

    # ------------------------------------------------------------------ context manager
    def __enter__(self) -> Lab:
        self.up()
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()

    # ------------------------------------------------------------------ state persistence
    def _save_state(self) -> None:
        if self.state_dir is None:
            return
        state = {
            "prefix": self.prefix,
            "state_dir": str(self.state_dir),
            "created_state_dir": self._created_state_dir,
            "netns": self._netns,
            "etc_netns": self._etc_netns,
            "ns_keys": {k: list(v) for k, v in self._ns_keys.items()},
            "host_iface": self._host_iface,
            "pids": self._pids,
            "lan_cidr": str(self._lan) if self._lan else None,
            "clients": self._clients,
        }
        _write(self.state_dir / STATE_FILE, json.dumps(state, indent=2) + "\n", 0o600)

    def _save_info(self) -> None:
        if self.state_dir is not None and self.info is not None:
            _write(self.state_dir / INFO_FILE, self.info.to_json() + "\n", 0o600)

    @classmethod
    def attach(cls, state_dir: Path) -> Lab:
        """A Lab object for an existing lab (built by another process) from its state dir."""
        state_dir = Path(state_dir).resolve()
        try:
            state = json.loads((state_dir / STATE_FILE).read_text())
        except (OSError, ValueError) as err:
            raise LabError(f"no lab state in {state_dir}: {err}") from err
        lab = cls(state_dir, state["prefix"])
        lab.prefix = state["prefix"]
        lab.state_dir = state_dir
        lab._created_state_dir = bool(state.get("created_state_dir"))
        lab._netns = list(state.get("netns", []))
        lab._etc_netns = list(state.get("etc_netns", []))
        lab._ns_keys = {k: (v[0], v[1]) for k, v in state.get("ns_keys", {}).items()}
        lab._host_iface = state.get("host_iface", "")
        lab._pids = {k: int(v) for k, v in state.get("pids", {}).items()}
        lab._clients = int(state.get("clients", 0))
        if state.get("lan_cidr"):
            lab._lan = ipaddress.IPv4Network(state["lan_cidr"])
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            lab.info = LabInfo.from_dict(json.loads((state_dir / INFO_FILE).read_text()))
        lab._up = True
        return lab

    # ------------------------------------------------------------------ bring-up
    def up(self, announce: bool = False, announce_interval: float = 3.0) -> LabInfo:
        """Build the lab; with ``announce`` the devices announce themselves (mDNS, SSDP)."""
        if self._up:
            if announce:
                self.start_announce(announce_interval)
            return self.info
        if os.geteuid() != 0:
            raise LabError("the lab needs root (network namespaces)")
        t0 = time.monotonic()
        self._up = True
        try:
            self._build()
        except BaseException:
            with contextlib.suppress(Exception):
                self.down()
            raise
        if announce:
            try:
                self.start_announce(announce_interval)
            except BaseException:
                with contextlib.suppress(Exception):
                    self.down()
                raise
        self.timings["up"] = time.monotonic() - t0
        return self.info

    def _pick_prefix(self) -> str:
        existing = set(os.listdir("/run/netns")) if os.path.isdir("/run/netns") else set()
        links = set(os.listdir("/sys/class/net"))
        for _ in range(100):
            prefix = self._prefix_arg or "sg" + secrets.token_hex(2)
            clash = any(n.startswith(prefix + "-") for n in existing) or any(
                n.startswith(prefix + "-") for n in links
            )
            if not clash:
                return prefix
            if self._prefix_arg:
                raise LabError(f"prefix {prefix!r} is in use (netns or interface exists)")
        raise LabError("could not find a free prefix")

    def _prepare_state_dir(self) -> Path:
        if self._state_dir_arg is None:
            sd = Path(tempfile.mkdtemp(prefix=f"snoop-guard-lab-{self.prefix}-"))
            self._created_state_dir = True
        else:
            sd = self._state_dir_arg.resolve()
            if (sd / STATE_FILE).exists():
                try:
                    old = json.loads((sd / STATE_FILE).read_text())
                    if any(os.path.exists(f"/run/netns/{n}") for n in old.get("netns", [])):
                        raise LabError(
                            f"a lab is still running from {sd}; "
                            f"run `netlab.py down --state-dir {sd}`"
                        )
                except ValueError:
                    pass
            self._created_state_dir = not sd.exists()
            sd.mkdir(parents=True, exist_ok=True)
        if self._created_state_dir:
            os.chmod(sd, 0o755)
        self.state_dir = sd
        return sd

    def _add_netns(self, name: str) -> None:
        _run(["ip", "netns", "add", name])
        self._netns.append(name)
        key = _ns_key(f"/run/netns/{name}")
        if key is None:
            raise LabError(f"netns {name} has no /run/netns entry")
        self._ns_keys[name] = key
        self._save_state()

    def _set_resolv(self, ns: str, server: str) -> None:
        d = Path("/etc/netns") / ns
        d.mkdir(parents=True, exist_ok=True)
        if ns not in self._etc_netns:
            self._etc_netns.append(ns)
            self._save_state()
        _write(
            d / "resolv.conf",
            f"# Snoop Guard lab {self.prefix}\nnameserver {server}\noptions timeout:1 attempts:1\n",
        )

    @staticmethod
    def _pick_lan() -> int:
        used: set[int] = set()
        out = _run(["ip", "-j", "-4", "addr"]).stdout
        for link in json.loads(out or "[]"):
            for a in link.get("addr_info", []):
                net = ipaddress.ip_network(f"{a['local']}/{a.get('prefixlen', 32)}", strict=False)
                for n in range(256):
                    if net.overlaps(ipaddress.ip_network(f"198.18.{n}.0/24")):
                        used.add(n)
        out = _run(["ip", "-j", "-4", "route", "show", "table", "all"]).stdout
        for route in json.loads(out or "[]"):
            dst = route.get("dst", "")
            if dst in ("default", "") or not dst[0].isdigit():
                continue
            net = ipaddress.ip_network(dst if "/" in dst else dst + "/32", strict=False)
            if net.prefixlen == 0:
                continue
            for n in range(256):
                if net.overlaps(ipaddress.ip_network(f"198.18.{n}.0/24")):
                    used.add(n)
        free = [n for n in range(1, 255) if n not in used]
        if not free:
            raise LabError("no free 198.18.N.0/24 for the lab LAN")
        return secrets.choice(free)

    def _build(self) -> None:
        timings: dict[str, float] = {}
        t = time.monotonic()
        for prog in ("ip", "dnsmasq", "busybox", "ssh", "ssh-keygen", "dig", "curl", "nft"):
            _which(prog)
        sshd = "/usr/sbin/sshd"
        if not os.access(sshd, os.X_OK):
            raise LabError("sshd not found at /usr/sbin/sshd")
        self.prefix = self._pick_prefix()
        sd = self._prepare_state_dir()
        self._save_state()
        p = self.prefix
        ns_r, ns_w = f"{p}-r", f"{p}-w"
        key_path = sd / "id_ed25519"
        host_key = sd / "ssh_host_ed25519_key"
        for f in (key_path, host_key, key_path.with_suffix(".pub"), Path(str(host_key) + ".pub")):
            with contextlib.suppress(FileNotFoundError):
                f.unlink()
        keygens = [
            subprocess.Popen(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=_ENV,
            )
            for path, comment in (
                (key_path, f"snoop-guard-lab-{p}"),
                (host_key, f"snoop-guard-lab-{p}-host"),
            )
        ]

        # namespaces
        for spec_ns in (ns_r, ns_w, *(f"{p}-{s.short}" for s in DEVICE_SPECS)):
            self._add_netns(spec_ns)

        # IPv4-only router: no IPv6 link-local/DAD churn (each address event makes dnsmasq
        # re-enumerate interfaces and log its "LOUD WARNING" lines again)
        _run(
            [
                "ip",
                "netns",
                "exec",
                ns_r,
                "sysctl",
                "-qw",
                "net.ipv4.ip_forward=1",
                "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1",
            ]
        )

        # LAN /24 + the root namespace's veth into the router bridge (under a lock so that two
        # labs starting at once do not pick the same /24)
        LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
        host_if = f"{p}-ha"
        with open(LOCK_FILE, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            n = self._pick_lan()
            lan = ipaddress.IPv4Network(f"198.18.{n}.0/24")
            router_ip, host_ip = f"198.18.{n}.1", f"198.18.{n}.2"
            self._lan = lan
            self._host_iface = host_if
            self._save_state()
            _run(
                ["ip", "link", "add", host_if, "type", "veth", "peer", "name", "ha", "netns", ns_r]
            )
            _run(["ip", "addr", "add", f"{host_ip}/24", "dev", host_if])
            _run(["ip", "link", "set", host_if, "up"])
        # safety net: a libc name lookup inside a lab namespace goes to lab DNS, never to the
        # machine's resolver (`ip netns exec` bind-mounts /etc/netns/<ns>/resolv.conf)
        self._set_resolv(ns_r, router_ip)
        self._set_resolv(ns_w, WAN_DNS_IP)
        for s in DEVICE_SPECS:
            self._set_resolv(f"{p}-{s.short}", router_ip)
        timings["netns+lan"] = time.monotonic() - t

        tag = hashlib.sha256(p.encode()).hexdigest()
        macs = {s.name: f"{s.oui}:{tag[0:2]}:{tag[2:4]}:{s.index:02x}" for s in DEVICE_SPECS}
        router_batch = [
            "link set lo up",
            # fixed MAC: otherwise the bridge takes the lowest port MAC and changes it when a
            # port is added, leaving stale ARP entries for the router on every client
            f"link add br0 address 02:53:47:{tag[0:2]}:{tag[2:4]}:01 type bridge"
            # no IGMP snooping: SSDP/mDNS multicast reaches every port like on a home LAN
            " forward_delay 0 stp_state 0 mcast_snooping 0",
            f"addr add {router_ip}/24 dev br0",
            "link set br0 up",
            "link set ha master br0",
            "link set ha up",
            f"link add wan0 type veth peer name eth0 netns {ns_w}",
            f"addr add {WAN_ROUTER_IP}/24 dev wan0",
            "link set wan0 up",
        ]
        for s in DEVICE_SPECS:
            router_batch += [
                f"link add p-{s.short} type veth"
                f" peer name eth0 address {macs[s.name]} netns {p}-{s.short}",
                f"link set p-{s.short} master br0",
                f"link set p-{s.short} up",
            ]
        _run(["ip", "-n", ns_r, "-batch", "-"], stdin_text="\n".join(router_batch) + "\n")
        wan_ips = sorted(
            {*TRACKERS.values(), *STREAMING.values(), CATCH_ALL_IP}, key=ipaddress.ip_address
        )
        wan_batch = ["link set lo up", f"addr add {WAN_DNS_IP}/24 dev eth0"]
        wan_batch += [f"addr add {ip}/32 dev eth0" for ip in wan_ips]
        wan_batch += [
            "link set eth0 up",
            f"route add default via {WAN_ROUTER_IP}",
            f"route add {lan} via {WAN_ROUTER_IP}",
        ]
        _run(["ip", "-n", ns_w, "-batch", "-"], stdin_text="\n".join(wan_batch) + "\n")
        for s in DEVICE_SPECS:
            _run(
                ["ip", "-n", f"{p}-{s.short}", "-batch", "-"],
                stdin_text="link set lo up\nlink set eth0 up\n",
            )
        timings["links"] = time.monotonic() - t

        # files
        conf_dir = sd / "dnsmasq.d"
        conf_dir.mkdir(exist_ok=True)
        log = sd / "dnsmasq.log"
        leases = sd / "dnsmasq.leases"
        restart = sd / "dnsmasq-restart.sh"
        for f in (log, leases):
            f.touch()
        router_args = [
            _which("dnsmasq"),
            "--conf-file=/dev/null",
            f"--pid-file={sd / 'dnsmasq.pid'}",
            "--interface=br0",
            f"--listen-address={router_ip}",
            "--bind-interfaces",
            "--no-hosts",
            "--no-resolv",
            f"--server={WAN_DNS_IP}",
            f"--dhcp-range={lan[100]},{lan[200]},255.255.255.0,12h",
            "--dhcp-authoritative",
            "--no-ping",  # dnsmasq's blocking 3 s ICMP probe before each new offer
            f"--dhcp-leasefile={leases}",
            "--log-queries=extra",
            f"--log-facility={log}",
            "--log-dhcp",
            f"--conf-dir={conf_dir}",
        ]
        _write(restart, self._restart_script(router_args, router_ip, sd), 0o755)
        wan_log = sd / "wan-dnsmasq.log"
        wan_args = [
            _which("dnsmasq"),
            "--conf-file=/dev/null",
            f"--pid-file={sd / 'wan-dnsmasq.pid'}",
            f"--listen-address={WAN_DNS_IP}",
            "--bind-interfaces",
            "--no-hosts",
            "--no-resolv",
            "--log-queries",
            f"--log-facility={wan_log}",
            *(f"--address=/{d}/{ip}" for d, ip in {**TRACKERS, **STREAMING}.items()),
            f"--address=/#/{CATCH_ALL_IP}",
        ]
        if self._wan_ttl is not None:
            wan_args.append(f"--local-ttl={int(self._wan_ttl)}")
        _write(sd / "udhcpc.sh", UDHCPC_SCRIPT, 0o755)
        www_log = sd / "wan-http.log"

        for proc in keygens:
            _, err = proc.communicate(timeout=10)
            if proc.returncode != 0:
                raise LabError(f"ssh-keygen failed: {err.decode(errors='replace')}")
        host_pub = Path(str(host_key) + ".pub").read_text().split()
        host_key_line = f"{host_pub[0]} {host_pub[1]}"
        client_pub = key_path.with_suffix(".pub").read_text().strip()
        _write(sd / "authorized_keys", client_pub + "\n", 0o600)
        _write(sd / "known_hosts", f"{router_ip} {host_key_line}\n", 0o644)
        _write(sd / "sshd_config", self._sshd_config(router_ip, sd, host_key), 0o644)
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        timings["files"] = time.monotonic() - t

        # services (in parallel)
        starters = {
            "wan-dnsmasq": subprocess.Popen(
                ["ip", "netns", "exec", ns_w, *wan_args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=_ENV,
            ),
            "router-dnsmasq": subprocess.Popen(
                ["ip", "netns", "exec", ns_r, str(restart)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=_ENV,
            ),
            "sshd": subprocess.Popen(
                [
                    "ip",
                    "netns",
                    "exec",
                    ns_r,
                    sshd,
                    "-f",
                    str(sd / "sshd_config"),
                    "-E",
                    str(sd / "sshd.log"),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=_ENV,
            ),
        }
        self._start_httpd(
            "wan-httpd", ns_w, [f"{ip}:80" for ip in wan_ips], www_log, "wan", wait=False
        )
        for name, proc in starters.items():
            try:
                _, err = proc.communicate(timeout=15)
            except subprocess.TimeoutExpired as exc:
                proc.kill()
                proc.wait()
                raise LabError(f"{name} did not start in time") from exc
            if proc.returncode != 0:
                msg = err.decode(errors="replace").strip()
                raise LabError(f"{name} failed to start (rc={proc.returncode}): {msg}")
        for name, pidfile in (
            ("wan-dnsmasq", sd / "wan-dnsmasq.pid"),
            ("router-dnsmasq", sd / "dnsmasq.pid"),
            ("sshd", sd / "sshd.pid"),
        ):
            pid = _read_pidfile(pidfile)
            if pid:
                self._pids[name] = pid
        self._save_state()
        timings["services"] = time.monotonic() - t

        # DHCP for the TV and the speaker (in parallel)
        devices = self._dhcp(
            [(s.name, f"{p}-{s.short}", macs[s.name], s.hostname, s.kind) for s in DEVICE_SPECS],
            {s.name: s.vendor_class for s in DEVICE_SPECS if s.vendor_class},
        )
        timings["dhcp"] = time.monotonic() - t
        speaker = next(d for d in devices if d.kind == "speaker")
        self._start_httpd(
            "speaker-httpd",
            speaker.netns,
            [f"{speaker.ip}:80"],
            sd / "speaker-http.log",
            "speaker",
            wait=False,
        )
        self._wait_httpd("wan-httpd")
        self._wait_httpd("speaker-httpd")
        timings["httpd"] = time.monotonic() - t

        self.info = LabInfo(
            prefix=p,
            lan_cidr=str(lan),
            router_ip=router_ip,
            host_ip=host_ip,
            ssh_port=22,
            ssh_user="root",
            ssh_key_path=str(key_path),
            ssh_key_text=key_path.read_text(),
            ssh_host_key=host_key_line,
            dnsmasq_log=str(log),
            dhcp_leases=str(leases),
            dnsmasq_conf_dir=str(conf_dir),
            dnsmasq_restart=str(restart),
            wan={
                "cidr": str(WAN_NET),
                "router_ip": WAN_ROUTER_IP,
                "dns_ip": WAN_DNS_IP,
                "trackers": dict(TRACKERS),
                "streaming": dict(STREAMING),
                "catch_all": CATCH_ALL_IP,
            },
            devices=devices,
            state_dir=str(sd),
            router_netns=ns_r,
            wan_netns=ns_w,
            host_iface=host_if,
            ssh_known_hosts=str(sd / "known_hosts"),
            wan_http_log=str(www_log),
            wan_dnsmasq_log=str(wan_log),
        )
        self._save_info()

        # the integration's way in: ssh from the root namespace to the router
        cp = self.ssh("nft --version", timeout=10)
        if cp.returncode != 0 or "nftables" not in cp.stdout:
            raise LabError(f"ssh to the router failed (rc={cp.returncode}): {cp.stderr.strip()}")
        timings["ssh"] = time.monotonic() - t
        self.timings.update({f"up.{k}": v for k, v in timings.items()})

    def _restart_script(self, args: list[str], router_ip: str, sd: Path) -> str:
        pidfile = sd / "dnsmasq.pid"
        q = shlex.quote
        return f"""#!/bin/sh
# Restart the router dnsmasq of Snoop Guard lab {self.prefix} with its original arguments
# (re-reading {sd / "dnsmasq.d"}).  Must run inside the router namespace ({self.prefix}-r),
# e.g. over ssh to root@{router_ip}.  Returns 0 once dnsmasq answers DNS on {router_ip}.
# The readiness probe is a CHAOS TXT "version.bind" query (answered locally, logged).
PATH=/usr/sbin:/usr/bin:/sbin:/bin
PIDFILE={q(str(pidfile))}
ERRFILE={q(str(sd / "dnsmasq-start.err"))}
DIG={q(_which("dig"))}
if ! {q(_which("ip"))} -4 -o addr show dev br0 2>/dev/null | grep -qF " {router_ip}/24 "; then
    echo "dnsmasq-restart: not inside the lab router namespace ({self.prefix}-r)" >&2
    exit 3
fi
is_ours() {{
    [ -r "/proc/$1/cmdline" ] && tr '\\000' '\\n' < "/proc/$1/cmdline" 2>/dev/null \\
        | grep -qxF -- "--pid-file=$PIDFILE"
}}
running() {{
    # true until the process is gone or a zombie (its sockets are closed only by then;
    # its cmdline is already empty while it still exits)
    st=$(sed -n 's/^.*) \\([A-Z]\\).*$/\\1/p' "/proc/$1/stat" 2>/dev/null)
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}}
pid=$(cat "$PIDFILE" 2>/dev/null)
case "$pid" in ''|*[!0-9]*) pid= ;; esac
if [ -n "$pid" ] && is_ours "$pid"; then
    kill "$pid" 2>/dev/null
    i=0
    while running "$pid"; do
        i=$((i + 1))
        if [ "$i" -eq 150 ]; then kill -9 "$pid" 2>/dev/null; fi
        if [ "$i" -gt 250 ]; then
            echo "dnsmasq-restart: old dnsmasq $pid does not exit" >&2
            exit 4
        fi
        sleep 0.02
    done
fi
i=0
while :; do
    {" ".join(q(a) for a in args)} </dev/null >/dev/null 2>"$ERRFILE"
    rc=$?
    # a TCP child of the old dnsmasq may hold the port for a moment: retry for up to 3 s
    if [ "$rc" -ne 0 ] && [ "$i" -lt 60 ] && grep -q "in use" "$ERRFILE"; then
        i=$((i + 1))
        sleep 0.05
        continue
    fi
    break
done
if [ "$rc" -ne 0 ]; then
    echo "dnsmasq-restart: dnsmasq failed to start (exit $rc):" >&2
    cat "$ERRFILE" >&2
    exit "$rc"
fi
i=0
while [ "$i" -lt 100 ]; do
    answer=$("$DIG" +short +time=1 +tries=1 -c CH -t TXT @{router_ip} version.bind 2>/dev/null)
    if [ -n "$answer" ]; then
        exit 0
    fi
    i=$((i + 1))
    sleep 0.05
done
echo "dnsmasq-restart: dnsmasq started but does not answer DNS on {router_ip}" >&2
exit 1
"""

    @staticmethod
    def _sshd_config(router_ip: str, sd: Path, host_key: Path) -> str:
        return f"""# sshd of the Snoop Guard lab router (runs inside the router namespace)
ListenAddress {router_ip}
Port 22
HostKey {host_key}
PidFile {sd / "sshd.pid"}
AuthorizedKeysFile {sd / "authorized_keys"}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PermitTunnel no
PrintMotd no
MaxStartups 50:30:100
MaxSessions 20
LogLevel VERBOSE
Subsystem sftp internal-sftp
"""

    def _start_httpd(
        self, label: str, ns: str, binds: list[str], log: Path, name: str, *, wait: bool = True
    ) -> None:
        assert self.state_dir is not None
        argv = [
            "ip",
            "netns",
            "exec",
            ns,
            sys.executable,
            "-I",
            "-S",
            str(HTTPD),
            "--name",
            name,
            "--log",
            str(log),
        ]
        for b in binds:
            argv += ["--bind", b]
        errlog = open(self.state_dir / f"{label}.err", "ab")  # noqa: SIM115
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=errlog,
                env=_ENV,
                start_new_session=True,
            )
        finally:
            errlog.close()
        self._popen[label] = proc
        self._pids[label] = proc.pid
        self._save_state()
        if wait:
            self._wait_httpd(label)

    def _wait_httpd(self, label: str, timeout: float = 10.0) -> None:
        proc = self._popen[label]
        assert proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            ok = bool(sel.select(timeout))
        line = proc.stdout.readline() if ok else b""
        proc.stdout.close()
        if line.strip() != b"READY":
            assert self.state_dir is not None
            err = (self.state_dir / f"{label}.err").read_text(errors="replace")
            raise LabError(f"{label} did not start: {err.strip()}")

    def _dhcp(
        self,
        clients: list[tuple[str, str, str, str | bytes | None, str]],
        vendor_classes: dict[str, str] | None = None,
        requested: dict[str, str] | None = None,
    ) -> list[DeviceInfo]:
        """Run udhcpc in each (name, netns, mac, hostname, kind) and wait for the leases."""
        assert self.state_dir is not None
        sd = self.state_dir
        procs = []
        for name, ns, _mac, hostname, _kind in clients:
            argv: list[str] = [
                "ip",
                "netns",
                "exec",
                ns,
                _which("busybox"),
                "udhcpc",
                "-i",
                "eth0",
                "-f",
                "-q",
                "-n",
                "-t",
                "8",
                "-T",
                "1",
                "-A",
                "1",
                "-s",
                str(sd / "udhcpc.sh"),
            ]
            if hostname:
                argv += ["-x", _udhcpc_hostname_opt(hostname)]
            if vendor_classes and vendor_classes.get(name):
                argv += ["-V", vendor_classes[name]]
            if requested and requested.get(name):
                argv += ["-r", requested[name]]
            procs.append(
                (
                    name,
                    subprocess.Popen(
                        argv,
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT,
                        env=_ENV,
                    ),
                )
            )
        for name, proc in procs:
            try:
                out, _ = proc.communicate(timeout=15)
            except subprocess.TimeoutExpired as exc:
                proc.kill()
                proc.wait()
                raise LabError(f"DHCP for {name} timed out") from exc
            if proc.returncode != 0:
                raise LabError(
                    f"DHCP for {name} failed (rc={proc.returncode}): {out.decode(errors='replace')}"
                )
        devices = []
        deadline = time.monotonic() + 5
        for name, ns, mac, hostname, kind in clients:
            while True:
                ip = self._lease_ip(mac)
                if ip:
                    break
                if time.monotonic() > deadline:
                    raise LabError(f"no lease for {name} ({mac}) in {sd / 'dnsmasq.leases'}")
                time.sleep(0.02)
            have = _run(["ip", "-n", ns, "-4", "-o", "addr", "show", "dev", "eth0"]).stdout
            if f" {ip}/" not in have:
                raise LabError(f"{name}: lease {ip} not applied on eth0: {have.strip()}")
            shown = (
                hostname.decode("utf-8", "surrogateescape")
                if isinstance(hostname, bytes)
                else hostname
            )
            devices.append(
                DeviceInfo(name=name, netns=ns, mac=mac, ip=ip, hostname=shown, kind=kind)
            )
        return devices

    def _lease_ip(self, mac: str) -> str | None:
        assert self.state_dir is not None
        try:
            lines = (self.state_dir / "dnsmasq.leases").read_text(errors="replace").splitlines()
        except OSError:
            return None
        for line in lines:
            parts = line.split()
            if len(parts) >= 3 and parts[1].lower() == mac.lower():
                return parts[2]
        return None

    # ------------------------------------------------------------------ teardown
    def down(self) -> None:
        t0 = time.monotonic()
        with contextlib.suppress(Exception):
            self.stop_traffic()
        with contextlib.suppress(Exception):
            self.stop_announce()
        keys = set(self._ns_keys.values())
        for ns in self._netns:
            key = _ns_key(f"/run/netns/{ns}")
            if key:
                keys.add(key)
        victims: set[int] = set()
        # pid files and recorded pids, but only if the process lives in one of our namespaces
        candidates = set(self._pids.values())
        if self.state_dir is not None:
            for pf in ("dnsmasq.pid", "wan-dnsmasq.pid", "sshd.pid"):
                pid = _read_pidfile(self.state_dir / pf)
                if pid:
                    candidates.add(pid)
        for pid in candidates:
            if _ns_key(f"/proc/{pid}/ns/net") in keys:
                victims.add(pid)
        # `ip netns pids` for each namespace + a /proc scan for namespaces already unnamed
        for ns in self._netns:
            if os.path.exists(f"/run/netns/{ns}"):
                with contextlib.suppress(LabError):
                    out = _run(["ip", "netns", "pids", ns], timeout=5, check=False).stdout
                    victims.update(int(x) for x in out.split() if x.isdigit())
        victims |= _pids_in_netns(keys)
        victims.discard(os.getpid())
        self._kill(victims)
        for proc in self._popen.values():
            with contextlib.suppress(Exception):
                if proc.stdout and not proc.stdout.closed:
                    proc.stdout.close()
                proc.wait(timeout=1)
        self._popen.clear()
        if self._host_iface and os.path.exists(f"/sys/class/net/{self._host_iface}"):
            _run(["ip", "link", "del", self._host_iface], check=False, timeout=5)
        for ns in reversed(self._netns):
            if os.path.exists(f"/run/netns/{ns}"):
                _run(["ip", "netns", "del", ns], check=False, timeout=5)
        for ns in self._etc_netns:
            if re.fullmatch(r"[a-z][a-z0-9]{1,7}-[a-z0-9]{1,8}", ns):
                shutil.rmtree(Path("/etc/netns") / ns, ignore_errors=True)
        self._etc_netns = []
        leftover = [ns for ns in self._netns if os.path.exists(f"/run/netns/{ns}")]
        self._netns = leftover
        self._ns_keys = {k: v for k, v in self._ns_keys.items() if k in leftover}
        self._pids.clear()
        if self.state_dir is not None:
            if self._created_state_dir and not leftover:
                shutil.rmtree(self.state_dir, ignore_errors=True)
            elif self.state_dir.exists():
                self._save_state()
        self._up = False
        self.timings["down"] = time.monotonic() - t0
        if leftover:
            raise LabError(f"could not delete network namespaces: {leftover}")

    @staticmethod
    def _kill(pids: set[int], term_wait: float = 1.5) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + term_wait
        alive = {p for p in pids if _pid_alive(p)}
        while alive and time.monotonic() < deadline:
            time.sleep(0.02)
            alive = {p for p in alive if _pid_alive(p)}
        for pid in alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 1.0
        while alive and time.monotonic() < deadline:
            time.sleep(0.02)
            alive = {p for p in alive if _pid_alive(p)}

    @staticmethod
    def sweep(prefix: str) -> list[str]:
        """Remove every netns / root interface named ``<prefix>-*`` and their processes."""
        if not re.fullmatch(r"[a-z][a-z0-9]{1,7}", prefix):
            raise ValueError("bad prefix")
        names = [
            n
            for n in (os.listdir("/run/netns") if os.path.isdir("/run/netns") else [])
            if n.startswith(prefix + "-")
        ]
        keys = {k for n in names if (k := _ns_key(f"/run/netns/{n}"))}
        Lab._kill(_pids_in_netns(keys))
        removed = []
        for ifname in os.listdir("/sys/class/net"):
            if ifname.startswith(prefix + "-"):
                _run(["ip", "link", "del", ifname], check=False)
                removed.append(ifname)
        for n in names:
            _run(["ip", "netns", "del", n], check=False)
            removed.append(n)
        if os.path.isdir("/etc/netns"):
            for n in os.listdir("/etc/netns"):
                if n.startswith(prefix + "-"):
                    shutil.rmtree(Path("/etc/netns") / n, ignore_errors=True)
                    removed.append(f"/etc/netns/{n}")
        return removed

    # ------------------------------------------------------------------ helpers for tests
    def _require_up(self) -> LabInfo:
        if self.info is None:
            raise LabError("lab is not up")
        return self.info

    def netns_of(self, device: str) -> str | None:
        """Namespace of a device name ('router', 'wan', 'host' (= root ns, None), 'tv', ...)."""
        info = self._require_up()
        if device in ("router", "r"):
            return info.router_netns
        if device in ("wan", "w"):
            return info.wan_netns
        if device in ("host", "root", "ha"):
            return None
        for dev in info.devices:
            if dev.name == device:
                return dev.netns
        if device in self._netns:
            return device
        raise KeyError(f"unknown lab device {device!r}")

    def run_in(
        self, device: str, argv: list[str], timeout: float = 10
    ) -> subprocess.CompletedProcess[str]:
        """Run argv inside the device's namespace (no shell); never raises on a non-zero exit."""
        ns = self.netns_of(device)
        full = list(argv) if ns is None else ["ip", "netns", "exec", ns, *argv]
        try:
            return _run(full, timeout=timeout, check=False)
        except LabError as err:
            return subprocess.CompletedProcess(full, 124, "", str(err))

    def resolve(self, device: str, name: str | bytes, qtype: str = "A") -> list[str]:
        """Ask the router's dnsmasq (from the device's namespace) via lab/dnsq.py."""
        info = self._require_up()
        if isinstance(name, bytes) or "\x00" in name:
            raw = name if isinstance(name, bytes) else name.encode("utf-8", "surrogateescape")
            args = ["--hex", "--", info.router_ip, raw.hex(), qtype]
        else:
            args = ["--", info.router_ip, name, qtype]
        cp = self.run_in(device, [sys.executable, "-I", "-S", str(DNSQ), *args], timeout=5)
        if cp.returncode != 0:
            return []
        try:
            out = json.loads(cp.stdout or "[]")
        except ValueError:
            return []
        return [str(x) for x in out] if isinstance(out, list) else []

    def http_get(self, device: str, ip: str, port: int = 80, timeout: float = 2.0) -> bool:
        """curl http://ip:port/ from the device's namespace; True if any HTTP response came back."""
        if not _is_lab_ip(ip, self._lan):
            raise ValueError(f"refusing to contact non-lab address {ip}")
        cp = self.run_in(
            device,
            [
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--noproxy",
                "*",
                "--connect-timeout",
                str(timeout),
                "--max-time",
                str(timeout),
                f"http://{ip}:{int(port)}/",
            ],
            timeout=timeout + 5,
        )
        code = cp.stdout.strip()
        return code.isdigit() and code != "000"

    def ssh(self, command: str, timeout: float = 10) -> subprocess.CompletedProcess[str]:
        """Run a command on the router over ssh from the root ns (as the integration does)."""
        info = self._require_up()
        argv = [
            "ssh",
            "-F",
            "/dev/null",
            "-i",
            info.ssh_key_path,
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=3",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            f"UserKnownHostsFile={info.ssh_known_hosts}",
            "-o",
            "LogLevel=ERROR",
            "-p",
            str(info.ssh_port),
            f"{info.ssh_user}@{info.router_ip}",
            command,
        ]
        try:
            return _run(argv, timeout=timeout, check=False)
        except LabError as err:
            return subprocess.CompletedProcess(argv, 124, "", str(err))

    # ------------------------------------------------------------------ traffic
    def _spawn(
        self, label: str, argv: list[str], *, stdout: int = subprocess.DEVNULL
    ) -> subprocess.Popen[bytes]:
        """Start a background process of the lab (stderr to <label>.err), killed by down()."""
        assert self.state_dir is not None
        err = open(self.state_dir / f"{label}.err", "ab")  # noqa: SIM115
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=err,
                env=_ENV,
                start_new_session=True,
            )
        finally:
            err.close()
        self._pids[label] = proc.pid
        return proc

    def start_traffic(self, interval: float = 5.0) -> None:
        info = self._require_up()
        assert self.state_dir is not None
        for dev in info.devices:
            domains = TRAFFIC_DOMAINS.get(dev.name)
            if not domains or dev.name in self._traffic:
                continue
            label = f"traffic-{dev.name}"
            argv = [
                *_ns_python(dev.netns, TRAFFIC),
                "--router",
                info.router_ip,
                "--lan",
                info.lan_cidr,
                "--interval",
                str(interval),
                "--parent-pid",
                str(os.getpid()),
                "--log",
                str(self.state_dir / f"{label}.log"),
                "--",
                *domains,
            ]
            self._traffic[dev.name] = self._spawn(label, argv)
        self._save_state()

    def stop_traffic(self) -> None:
        procs = list(self._traffic.items())
        for _, proc in procs:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
        for name, proc in procs:
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=2)
            self._pids.pop(f"traffic-{name}", None)
        self._traffic.clear()
        if procs:
            self._save_state()

    # ------------------------------------------------------------------ announcements
    def start_announce(self, interval: float = 3.0, *, watch_parent: bool = True) -> None:
        """Start lab/announce.py in every device with a profile (tv, speaker, streamer).

        Each device answers mDNS/SSDP queries, re-announces itself every ``interval``
        seconds and serves its UPnP description on its LAN IP. With ``watch_parent`` the
        announcers exit when this process does.
        """
        info = self._require_up()
        self._announce_interval = float(interval)
        self._announce_watch = watch_parent
        for dev in info.devices:
            profile = PROFILES.get(dev.name)
            if profile and dev.name not in self._announce:
                self._start_announcer(dev, profile)
        info.announce = True
        self._save_info()

    def _start_announcer(self, dev: DeviceInfo, profile: str) -> None:
        info = self._require_up()
        assert self.state_dir is not None
        label = f"announce-{dev.name}"
        argv = [
            *_ns_python(dev.netns, ANNOUNCE),
            "serve",
            "--profile",
            profile,
            "--ip",
            dev.ip,
            "--mac",
            dev.mac,
            "--hostname",
            dev.hostname or dev.name,
            "--lan",
            info.lan_cidr,
            "--iface",
            "eth0",
            "--interval",
            str(self._announce_interval),
            "--log",
            str(self.state_dir / f"{label}.log"),
        ]
        if getattr(self, "_announce_watch", True):
            argv += ["--parent-pid", str(os.getpid())]
        proc = self._spawn(label, argv, stdout=subprocess.PIPE)
        self._announce[dev.name] = proc
        self._popen[label] = proc
        self._save_state()
        self._wait_httpd(label)

    def stop_announce(self, device: str | None = None) -> None:
        """Stop the announcers (of one device, or all)."""
        names = [device] if device else list(self._announce)
        for name in names:
            proc = self._announce.pop(name, None)
            if proc is None:
                continue
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=2)
            self._popen.pop(f"announce-{name}", None)
            self._pids.pop(f"announce-{name}", None)
        if device is None and self.info is not None:
            self.info.announce = False
            self._save_info()
        self._save_state()

    def _release_lease(self, dev: DeviceInfo, timeout: float = 15.0) -> None:
        """DHCPRELEASE from the device: udhcpc (re)binds its lease, SIGUSR2 releases it.

        (``udhcpc -q -R`` does not send a release in busybox 1.35.)
        """
        assert self.state_dir is not None
        argv = [
            "ip",
            "netns",
            "exec",
            dev.netns,
            _which("busybox"),
            "udhcpc",
            "-i",
            "eth0",
            "-f",
            "-n",
            "-t",
            "4",
            "-T",
            "1",
            "-A",
            "1",
            "-s",
            str(self.state_dir / "udhcpc.sh"),
        ]
        if dev.hostname:
            argv += ["-x", _udhcpc_hostname_opt(dev.hostname)]
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=_ENV,
        )
        assert proc.stdout is not None
        seen: list[str] = []
        watchdog = threading.Timer(timeout, proc.kill)  # bounds the blocking reads below
        watchdog.start()
        try:
            released_sent = False
            for raw in proc.stdout:
                line = raw.decode(errors="replace")
                seen.append(line.strip())
                if "obtained" in line and not released_sent:
                    os.kill(proc.pid, signal.SIGUSR2)  # `ip netns exec` execs udhcpc
                    released_sent = True
                elif "released state" in line:
                    return
        finally:
            watchdog.cancel()
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=2)
            proc.stdout.close()
        raise LabError(f"DHCP release for {dev.name} failed: {' | '.join(seen)}")

    def renew_ip(self, device: str) -> DeviceInfo:
        """Make ``device`` give up its lease and take a new, different address.

        The device sends a DHCPRELEASE, then asks for a free address of the pool (DHCP
        option 50); its DeviceInfo (and lab.json) get the new IP, and a running announcer
        is restarted on it, as a real device re-announces after an address change.
        """
        info = self._require_up()
        assert self.state_dir is not None
        dev = info.device(device)
        old = dev.ip
        lan = ipaddress.IPv4Network(info.lan_cidr)
        leased: set[str] = set()
        with contextlib.suppress(OSError):
            for line in (self.state_dir / "dnsmasq.leases").read_text().splitlines():
                parts = line.split()
                if len(parts) >= 3:
                    leased.add(parts[2])
        wanted = next(str(lan[i]) for i in range(200, 99, -1) if str(lan[i]) not in leased | {old})
        spec = next((s for s in DEVICE_SPECS if s.name == device), None)
        vendor_classes = {device: spec.vendor_class} if spec and spec.vendor_class else None
        was_announcing = device in self._announce
        if was_announcing:
            self.stop_announce(device)
        self._release_lease(dev)
        deadline = time.monotonic() + 5
        while self._lease_ip(dev.mac) is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        fresh = self._dhcp(
            [(dev.name, dev.netns, dev.mac, dev.hostname, dev.kind)],
            vendor_classes=vendor_classes,
            requested={device: wanted},
        )[0]
        if fresh.ip == old:
            raise LabError(f"{device} got its old address {old} again")
        dev.ip = fresh.ip
        self._save_info()
        if was_announcing and dev.name in PROFILES:
            self._start_announcer(dev, PROFILES[dev.name])
        return dev

    # ------------------------------------------------------------------ extra clients
    def add_client(self, name: str, mac: str, hostname: str | bytes | None) -> DeviceInfo:
        """A new client namespace on the LAN bridge that takes a DHCP lease with ``hostname``."""
        info = self._require_up()
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", name) or name in RESERVED_DEVICE_NAMES:
            raise ValueError(f"bad device name {name!r}")
        if any(d.name == name for d in info.devices):
            raise ValueError(f"device {name!r} exists")
        mac = mac.lower()
        if not re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", mac) or int(mac[:2], 16) & 1:
            raise ValueError(f"bad unicast MAC {mac!r}")
        if any(d.mac == mac for d in info.devices):
            raise ValueError(f"MAC {mac} already used in the lab")
        self._clients += 1
        ns = f"{self.prefix}-c{self._clients}"
        port = f"c{self._clients}"
        self._add_netns(ns)
        self._set_resolv(ns, info.router_ip)
        _run(
            ["ip", "-n", info.router_netns, "-batch", "-"],
            stdin_text=f"link add {port} type veth peer name eth0 address {mac} netns {ns}\n"
            f"link set {port} master br0\nlink set {port} up\n",
        )
        _run(["ip", "-n", ns, "-batch", "-"], stdin_text="link set lo up\nlink set eth0 up\n")
        dev = self._dhcp([(name, ns, mac, hostname, "client")])[0]
        info.devices.append(dev)
        self._save_info()
        return dev


# --------------------------------------------------------------------------- CLI


def _ns_python(netns: str, script: Path) -> list[str]:
    """Argv that runs one of the lab's stdlib scripts inside ``netns`` (isolated mode)."""
    return ["ip", "netns", "exec", netns, sys.executable, "-I", "-S", str(script)]


def _start_gozen(lab: Lab, interval: float) -> None:
    """A Skyworth TV (Skyworth OUI) that sweeps the LAN and uploads, like the Gozen SDK."""
    device = lab.add_client("gozen", "14:11:5d:00:00:77", "Skyworth-Gozen")
    ns = lab.netns_of(device.name)
    assert ns is not None
    lab._spawn(
        "gozen",
        [*_ns_python(ns, Path(__file__).with_name("gozen.py")),
         "--router", lab.info.router_ip, "--interval", str(interval),
         "--parent-pid", str(os.getpid())],
    )  # fmt: skip
    print(f"gozen TV {device.ip} sweeps every {interval:.0f}s", file=sys.stderr)


def _cli(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="netlab.py", description="Snoop Guard network lab")
    sub = ap.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="build a lab and print its LabInfo JSON")
    up.add_argument("--state-dir", type=Path)
    up.add_argument("--prefix")
    up.add_argument(
        "--traffic",
        action="store_true",
        help="run device traffic in the foreground until SIGINT/SIGTERM",
    )
    up.add_argument("--interval", type=float, default=5.0)
    up.add_argument(
        "--foreground", action="store_true", help="stay up until SIGINT/SIGTERM, then tear down"
    )
    up.add_argument("--wan-ttl", type=int)
    up.add_argument(
        "--announce",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="devices announce themselves over mDNS/SSDP (default: on with --traffic)",
    )
    up.add_argument("--announce-interval", type=float, default=3.0)
    up.add_argument(
        "--gozen",
        type=float,
        metavar="SECONDS",
        help="add a Skyworth TV running the Gozen-like SDK (lab/gozen.py) every SECONDS",
    )
    down = sub.add_parser("down", help="tear down a lab")
    down.add_argument("--state-dir", type=Path)
    down.add_argument("--prefix", help="sweep every netns/interface named <prefix>-*")
    info = sub.add_parser("info", help="print a lab's LabInfo JSON")
    info.add_argument("--state-dir", type=Path, required=True)
    args = ap.parse_args(argv)

    if args.cmd == "info":
        print((args.state_dir / INFO_FILE).read_text(), end="")
        return 0
    if args.cmd == "down":
        if args.state_dir:
            Lab.attach(args.state_dir).down()
        elif args.prefix:
            for item in Lab.sweep(args.prefix):
                print(f"removed {item}", file=sys.stderr)
        else:
            ap.error("down needs --state-dir or --prefix")
        return 0

    lab = Lab(args.state_dir, args.prefix, wan_ttl=args.wan_ttl)

    def on_signal(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, on_signal)
    atexit.register(lab.down)
    announce = args.traffic if args.announce is None else args.announce
    info_ = lab.up()
    if announce:
        # a lab left running after this command returns must not lose its announcers
        lab.start_announce(args.announce_interval, watch_parent=args.traffic or args.foreground)
    print(info_.to_json(), flush=True)
    print(
        f"lab {info_.prefix} up in {lab.timings['up']:.2f}s (state dir {info_.state_dir})",
        file=sys.stderr,
    )
    if not (args.traffic or args.foreground):
        atexit.unregister(lab.down)
        print(
            f"tear down with: {sys.executable} {Path(__file__)} down --state-dir {info_.state_dir}",
            file=sys.stderr,
        )
        return 0
    try:
        if args.traffic:
            lab.start_traffic(args.interval)
        if args.gozen:
            _start_gozen(lab, args.gozen)
        while True:
            signal.pause()
    finally:
        atexit.unregister(lab.down)
        lab.down()
        print(f"lab {info_.prefix} down in {lab.timings['down']:.2f}s", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(_cli())
