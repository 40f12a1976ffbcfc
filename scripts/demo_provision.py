"""Finish onboarding of a fresh Home Assistant and add Snoop Guard for the lab router.

Uses only Home Assistant's public HTTP APIs (the ones its own frontend uses), so the
demo is set up exactly as a person would set it up. Talks to loopback only, and to the
lab: its devices ask the lab router for their leases again once Home Assistant's DHCP
watcher listens, as devices do when they renew or wake up.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp

BASE = "http://127.0.0.1:8123"
# The Snoop Guard dashboard, as "Add dashboard -> Snoop Guard" creates it.
DASHBOARD = {
    "url_path": "snoop-guard",
    "title": "Snoop Guard",
    "icon": "mdi:shield-search",
    "show_in_sidebar": True,
    "require_admin": False,
}


def call(
    path: str,
    body: dict[str, Any] | None = None,
    token: str | None = None,
    form: bool = False,
    base: str = BASE,
) -> Any:
    headers = {"Content-Type": "application/x-www-form-urlencoded" if form else "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = (urllib.parse.urlencode(body) if form else json.dumps(body)).encode()
    request = urllib.request.Request(
        base + path, data=data, headers=headers, method="POST" if body is not None else "GET"
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read().decode()
    return json.loads(text) if text else None


def wait_for_hass(timeout: float = 180, base: str = BASE) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            call("/api/onboarding", base=base)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(1)
    sys.exit("Home Assistant did not start in time; see .demo/hass.log")


def onboard(username: str, password: str, base: str = BASE) -> str:
    client_id = f"{base}/"
    steps = {s["step"]: s["done"] for s in call("/api/onboarding", base=base)}
    if steps.get("user"):
        sys.exit("this Home Assistant is already onboarded; remove .demo/ to start over")
    code = call(
        "/api/onboarding/users",
        {
            "client_id": client_id,
            "name": "Demo",
            "username": username,
            "password": password,
            "language": "en",
        },
        base=base,
    )["auth_code"]
    token = call(
        "/auth/token",
        {"grant_type": "authorization_code", "code": code, "client_id": client_id},
        form=True,
        base=base,
    )["access_token"]
    remaining = [s["step"] for s in call("/api/onboarding", base=base) if not s["done"]]
    if remaining:
        sys.exit(f"onboarding steps left undone: {remaining}")
    return token


def add_snoop_guard(token: str, lab: dict[str, Any], base: str = BASE) -> None:
    flow = call("/api/config/config_entries/flow", {"handler": "snoop_guard"}, token, base=base)
    # The first step is a menu: the lab's router is a Linux router reached over SSH.
    flow = call(
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {"next_step_id": "ssh"},
        token,
        base=base,
    )
    flow = call(
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {
            "host": lab["router_ip"],
            "port": lab["ssh_port"],
            "username": lab["ssh_user"],
            "private_key": lab["ssh_key_text"],
        },
        token,
        base=base,
    )
    if flow.get("step_id") != "router":
        sys.exit(f"Snoop Guard's config flow stopped: {flow.get('errors') or flow}")
    flow = call(
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {
            "log_source": "file",
            "log_path": lab["dnsmasq_log"],
            "leases_path": lab["dhcp_leases"],
            "dnsmasq_conf_dir": lab["dnsmasq_conf_dir"],
            "dnsmasq_restart": lab["dnsmasq_restart"],
        },
        token,
        base=base,
    )
    if flow.get("type") != "create_entry":
        sys.exit(f"Snoop Guard's config flow stopped: {flow.get('errors') or flow}")
    opt_out_of_default_lists(token, flow["result"]["entry_id"], base=base)


def opt_out_of_default_lists(token: str, entry_id: str, base: str = BASE) -> None:
    """The demo never downloads the default tracker lists from the internet: opt out of all."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from custom_components.snoop_guard.engine.vendorlists import CATALOGUE  # noqa: PLC0415

    flow = call("/api/config/config_entries/options/flow", {"handler": entry_id}, token, base=base)
    flow = call(
        f"/api/config/config_entries/options/flow/{flow['flow_id']}",
        {"default_lists_off": [item.id for item in CATALOGUE]},
        token,
        base=base,
    )
    if flow.get("type") != "create_entry":
        sys.exit(f"Snoop Guard's options flow stopped: {flow.get('errors') or flow}")


def wait_until_running(token: str, timeout: float = 180, base: str = BASE) -> None:
    """Home Assistant's DHCP watcher starts listening once HA is running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if call("/api/config", token=token, base=base).get("state") == "RUNNING":
            return
        time.sleep(1)
    sys.exit("Home Assistant did not finish starting; see .demo/hass.log")


def renew_leases(lab: dict[str, Any]) -> None:
    """Each lab device asks the router for its own address again (DHCP request, broadcast).

    The address is requested as it is and the event script is ``true``: the device's
    interface is not touched. Devices with a host name udhcpc cannot send as is are left
    alone, so no lease loses its name.
    """
    busybox = shutil.which("busybox") or "busybox"
    for device in lab["devices"]:
        hostname = device.get("hostname") or ""
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}", hostname):
            continue
        argv = ["ip", "netns", "exec", device["netns"], busybox, "udhcpc", "-i", "eth0", "-f",
                "-q", "-n", "-t", "3", "-T", "1", "-A", "1", "-s", "/bin/true",
                "-r", device["ip"], "-x", f"hostname:{hostname}"]  # fmt: skip
        subprocess.run(argv, capture_output=True, timeout=15, check=False)


async def websocket_commands(
    token: str, commands: list[dict[str, Any]], base: str = BASE
) -> list[Any]:
    """Send commands over Home Assistant's websocket API (as its frontend does), in order."""
    results: list[Any] = []
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(base.replace("http", "ws", 1) + "/api/websocket") as ws,
    ):
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": token})
        if (reply := await ws.receive_json()).get("type") != "auth_ok":
            raise RuntimeError(f"websocket login refused: {reply}")
        for number, command in enumerate(commands, start=1):
            await ws.send_json({"id": number, **command})
            while (reply := await ws.receive_json()).get("id") != number:
                pass
            if not reply.get("success"):
                raise RuntimeError(f"{command['type']} failed: {reply.get('error')}")
            results.append(reply.get("result"))
    return results


def create_dashboard(token: str, base: str = BASE) -> str:
    """The Snoop Guard dashboard (the integration's strategy); returns its URL."""
    asyncio.run(
        websocket_commands(
            token,
            [
                {"type": "lovelace/dashboards/create", **DASHBOARD},
                {
                    "type": "lovelace/config/save",
                    "url_path": DASHBOARD["url_path"],
                    "config": {"strategy": {"type": "custom:snoop-guard"}},
                },
            ],
            base,
        )
    )
    return f"{base}/{DASHBOARD['url_path']}"


def evidence(token: str) -> dict[str, int]:
    """How many of Snoop Guard's devices show evidence from each discovery source."""
    found = {"SSDP": 0, "DHCP": 0, "mDNS": 0}
    for state in call("/api/states", token=token):
        if not state["entity_id"].endswith("tracker_contacts_24_h"):
            continue
        items = state["attributes"].get("evidence") or []
        for source in found:
            found[source] += any(str(item).startswith(source) for item in items)
    return found


def main() -> None:
    lab_json, username, password = sys.argv[1:4]
    lab = json.loads(Path(lab_json).read_text())
    wait_for_hass()
    token = onboard(username, password)
    add_snoop_guard(token, lab)
    wait_until_running(token)
    print(f"demo: Snoop Guard dashboard at {create_dashboard(token)}")
    deadline = time.monotonic() + 60
    seen = evidence(token)
    while not (seen["SSDP"] and seen["DHCP"]) and time.monotonic() < deadline:
        if not seen["DHCP"]:
            renew_leases(json.loads(Path(lab_json).read_text()))
        time.sleep(2)
        seen = evidence(token)
    print("demo: devices with evidence from " + ", ".join(f"{k} {v}" for k, v in seen.items()))


if __name__ == "__main__":
    main()
