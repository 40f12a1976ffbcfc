"""End to end: TVs that avoid the router's DNS are seen by the router, and can be stopped.

One TV asks the lab internet's resolver (203.0.113.2) directly; another looks up
the DoH bootstrap name ``dns.google`` through the router (the lab internet has a
resolver under that name on 203.0.113.53, HTTP on port 443) and connects to it.
The SSH backend's read-back shows both (the packet path's ``seen`` sets), the
pure detector turns them into "bypassing", and with the bypass block the outside
query is answered by the router itself (redirected) and the DoH connection refused,
while the TV's ordinary web traffic still flows.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncGenerator

import pytest
from homeassistant.core import HomeAssistant

from custom_components.snoop_guard.backends.base import DevicePolicy
from custom_components.snoop_guard.backends.linux_ssh import LinuxSshBackend, SshSettings
from custom_components.snoop_guard.backends.trackerset import prepare_trackers
from custom_components.snoop_guard.engine.dns_bypass import BypassDetector
from lab.layout import DNSQ, DOH_RESOLVERS, TRACKERS, WAN_DNS_IP
from lab.netlab import Lab

pytestmark = pytest.mark.lab

TRACKER_SET = prepare_trackers(["gz-data.com"])
DOH_IP = DOH_RESOLVERS["dns.google"]


@pytest.fixture
async def backend(
    hass: HomeAssistant, lab: Lab, lab_sockets: None
) -> AsyncGenerator[LinuxSshBackend]:
    info = lab.info
    ssh = LinuxSshBackend(
        SshSettings(
            host=info.router_ip,
            port=info.ssh_port,
            username=info.ssh_user,
            private_key=info.ssh_key_text,
            host_key=info.ssh_host_key,
            log_path=info.dnsmasq_log,
            leases_path=info.dhcp_leases,
            dnsmasq_conf_dir=info.dnsmasq_conf_dir,
            dnsmasq_restart=info.dnsmasq_restart,
        )
    )
    await ssh.async_connect()
    try:
        yield ssh
    finally:
        await ssh.async_remove_all()  # the router as we found it
        await ssh.async_close()


def _ask(lab: Lab, device: str, server: str, name: str) -> list[str]:
    """A query from ``device`` straight to ``server`` (not through the router's resolver)."""
    done = lab.run_in(device, [sys.executable, "-I", "-S", str(DNSQ), "--", server, name], 5)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout or "[]"))


async def test_dns_bypass_is_seen_and_blocked(
    hass: HomeAssistant, lab: Lab, backend: LinuxSshBackend
) -> None:
    plain = lab.add_client("byp-plain", "a4:77:33:0b:0b:01", "Bypass-TV-Plain")
    doh = lab.add_client("byp-doh", "a4:77:33:0b:0b:02", "Bypass-TV-DoH")
    await backend.async_list_clients()  # learns the LAN interface
    run = hass.async_add_executor_job

    # Before any block: the router's DNS is not asked, the lab internet answers.
    await backend.async_apply([], TRACKER_SET)
    assert await run(_ask, lab, "byp-plain", WAN_DNS_IP, "Bypass-TV-Plain") == [
        "203.0.113.99"  # the internet's catch-all: it does not know our TV
    ]
    assert await run(lab.resolve, "byp-doh", "dns.google") == [DOH_IP]  # the bootstrap lookup
    backend.doh_addresses = {DOH_IP}  # what the integration learns from that answer
    await backend.async_apply([], TRACKER_SET)
    assert await run(lab.http_get, "byp-doh", DOH_IP, 443)
    assert await run(lab.http_get, "byp-doh", TRACKERS["gz-data.com"])  # ordinary web

    state = await backend.async_read_state([], TRACKER_SET)
    assert state.in_sync
    assert state.observes_bypass
    seen = {(f.mac, f.address, f.port) for f in state.bypass_flows}
    assert seen == {(plain.mac, WAN_DNS_IP, 53), (doh.mac, DOH_IP, 443)}
    assert all(f.seconds_ago is not None and f.seconds_ago < 60 for f in state.bypass_flows)

    detector = BypassDetector((lab.info.router_ip,))
    detector.feed_answer("dns.google", DOH_IP)
    for flow in state.bypass_flows:
        detector.feed_flow(flow.mac, flow.address, flow.port)
    assert detector.state(plain.mac).methods == ("plain_dns",)
    assert detector.state(doh.mac).methods == ("doh",)

    # Block the bypass: outside DNS is answered by the router, DoH is refused.
    policies = [
        DevicePolicy(plain.mac, (plain.ip,), block_bypass=True),
        DevicePolicy(doh.mac, (doh.ip,), block_bypass=True),
    ]
    await backend.async_apply(policies, TRACKER_SET)
    state = await backend.async_read_state(policies, TRACKER_SET)
    assert state.in_sync
    assert state.block_bypass == {plain.mac, doh.mac}
    assert state.block_trackers == frozenset()
    # The router knows its DHCP client by name; the lab internet would say .99.
    assert await run(_ask, lab, "byp-plain", WAN_DNS_IP, "Bypass-TV-Plain") == [plain.ip]
    assert not await run(lab.http_get, "byp-doh", DOH_IP, 443)
    assert await run(lab.http_get, "byp-doh", TRACKERS["gz-data.com"])  # the rest still works
