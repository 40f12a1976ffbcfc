"""Finish onboarding of a fresh Home Assistant and add Snoop Guard for the lab router.

Uses only Home Assistant's public HTTP APIs (the ones its own frontend uses), so the
demo is set up exactly as a person would set it up. Talks to loopback only.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

BASE = "http://127.0.0.1:8123"
CLIENT_ID = f"{BASE}/"


def call(
    path: str, body: dict[str, Any] | None = None, token: str | None = None, form: bool = False
) -> Any:
    headers = {"Content-Type": "application/x-www-form-urlencoded" if form else "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = (urllib.parse.urlencode(body) if form else json.dumps(body)).encode()
    request = urllib.request.Request(
        BASE + path, data=data, headers=headers, method="POST" if body is not None else "GET"
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read().decode()
    return json.loads(text) if text else None


def wait_for_hass(timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            call("/api/onboarding")
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(1)
    sys.exit("Home Assistant did not start in time; see .demo/hass.log")


def onboard(username: str, password: str) -> str:
    steps = {s["step"]: s["done"] for s in call("/api/onboarding")}
    if steps.get("user"):
        sys.exit("this Home Assistant is already onboarded; remove .demo/ to start over")
    code = call(
        "/api/onboarding/users",
        {
            "client_id": CLIENT_ID,
            "name": "Demo",
            "username": username,
            "password": password,
            "language": "en",
        },
    )["auth_code"]
    token = call(
        "/auth/token",
        {"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
        form=True,
    )["access_token"]
    remaining = [s["step"] for s in call("/api/onboarding") if not s["done"]]
    if remaining:
        sys.exit(f"onboarding steps left undone: {remaining}")
    return token


def add_snoop_guard(token: str, lab: dict[str, Any]) -> None:
    flow = call("/api/config/config_entries/flow", {"handler": "snoop_guard"}, token)
    flow = call(
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {
            "host": lab["router_ip"],
            "port": lab["ssh_port"],
            "username": lab["ssh_user"],
            "private_key": lab["ssh_key_text"],
        },
        token,
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
    )
    if flow.get("type") != "create_entry":
        sys.exit(f"Snoop Guard's config flow stopped: {flow.get('errors') or flow}")


def main() -> None:
    lab_json, username, password = sys.argv[1:4]
    lab = json.loads(Path(lab_json).read_text())
    wait_for_hass()
    token = onboard(username, password)
    add_snoop_guard(token, lab)


if __name__ == "__main__":
    main()
