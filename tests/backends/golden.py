"""Inputs of the golden files in ``tests/backends/data`` and how to regenerate them.

``ruleset.json`` and ``snippet.conf`` are what the builders write for the inputs
below. ``listing.json`` is what nft 1.0.6 printed (``nft -j list table inet
snoop_guard``) after loading ``ruleset.json`` and adding the DNS answers below
the way dnsmasq does: the router's side of the read-back, captured once.

Regenerate (review the diff before committing)::

    python -m tests.backends.golden            # ruleset.json, snippet.conf
    python -m tests.backends.golden --listing  # also listing.json (root: a throw-away netns)
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

from custom_components.snoop_guard.backends.base import DevicePolicy
from custom_components.snoop_guard.backends.dnsmasq import build_snippet
from custom_components.snoop_guard.backends.nftables import build_ruleset

DATA = Path(__file__).parent / "data"

POLICIES = (
    DevicePolicy(
        mac="14-11-5D-00-00-01",
        ips=("198.18.5.10", "fd00::10", "fe80::1%eth0", "not an address"),
        block_trackers=True,
    ),
    DevicePolicy(mac="00:0e:58:00:00:02", ips=("198.18.5.11",), block_internet=True),
    DevicePolicy(mac="8c:79:f5:12:34:56", ips=(), block_trackers=True, block_internet=True),
    DevicePolicy(mac="$(reboot)", ips=("198.18.5.66; nft flush ruleset",), block_trackers=True),
    DevicePolicy(mac="00:0e:58:00:00:03", ips=("198.18.5.12", "fd00::12"), block_bypass=True),
)
LAN_INTERFACES = ("br0", "lan 1", "wlan0;reboot")
TRACKERS = (
    "gz-data.com",
    "samsungads.com",
    "acr0.samsungcloudsolution.com",
    "evil.com/\nnftset=/x/",
    "shared.example",
)
ALLOWED = ("time.samsungcloudsolution.com", "shared.example", "bad name.example")
# dnsmasq's answers in listing.json: (set, address).
ANSWERS = (
    ("trackers4", "203.0.113.10"),
    ("trackers4", "203.0.113.99"),
    ("allowed4", "203.0.113.99"),
    ("trackers6", "2001:db8::10"),
)

# What the packet path left in the evidence sets in listing.json: (set, MAC, address, port).
SEEN = (
    ("seen4", "a4:77:33:00:00:04", "198.51.100.53", 53),
    ("seen4", "a4:77:33:00:00:04", "8.8.8.8", 443),
    ("seen6", "f4:f5:d8:00:00:05", "2606:4700:4700::1111", 853),
)


def ruleset() -> dict[str, object]:
    return build_ruleset(POLICIES, LAN_INTERFACES)


def snippet() -> str:
    return build_snippet(TRACKERS, ALLOWED)


def _capture_listing() -> str:
    netns = f"sg-golden-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", netns], check=True)
    try:
        nft = ["ip", "netns", "exec", netns, "nft"]
        subprocess.run([*nft, "-j", "-f", "-"], input=json.dumps(ruleset()), text=True, check=True)
        for set_name, address in ANSWERS:
            subprocess.run(
                [*nft, "add", "element", "inet", "snoop_guard", set_name, f"{{ {address} }}"],
                check=True,
            )
        for set_name, mac, address, port in SEEN:
            element = f"{{ {mac} . {address} . {port} }}"
            add = [*nft, "add", "element", "inet", "snoop_guard", set_name, element]
            subprocess.run(add, check=True)
        done = subprocess.run(
            [*nft, "-j", "list", "table", "inet", "snoop_guard"],
            capture_output=True,
            text=True,
            check=True,
        )
        return json.dumps(json.loads(done.stdout), indent=1) + "\n"
    finally:
        subprocess.run(["ip", "netns", "del", netns], check=False)


def main(argv: list[str]) -> None:
    DATA.mkdir(exist_ok=True)
    (DATA / "ruleset.json").write_text(json.dumps(ruleset(), indent=1) + "\n")
    (DATA / "snippet.conf").write_text(snippet())
    if "--listing" in argv:
        (DATA / "listing.json").write_text(_capture_listing())


if __name__ == "__main__":
    main(sys.argv[1:])
