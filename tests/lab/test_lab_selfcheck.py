"""Self-check of the Snoop Guard network lab (lab/netlab.py).

Needs root and `ip netns`; skipped otherwise (but fails when CI=true).  Everything runs in
subprocesses inside the lab's namespaces: the test process itself opens no sockets (the
Home Assistant pytest plugin blocks them) and only lab addresses are ever contacted.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from lab import dnsq  # noqa: E402
from lab.netlab import WAN_NET, Lab, LabInfo  # noqa: E402

pytestmark = pytest.mark.lab
_LOGGER = logging.getLogger(__name__)

NETLAB = REPO / "lab" / "netlab.py"
DNSQ = REPO / "lab" / "dnsq.py"
REQUIRED = ("ip", "dnsmasq", "busybox", "ssh", "ssh-keygen", "curl", "dig", "nft")


def _unavailable_reason() -> str | None:
    if sys.platform != "linux":
        return "the network lab needs Linux network namespaces"
    if os.geteuid() != 0:
        return "the network lab needs root (ip netns)"
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    missing = [p for p in REQUIRED if not shutil.which(p, path=path)]
    if not os.access("/usr/sbin/sshd", os.X_OK):
        missing.append("/usr/sbin/sshd")
    if missing:
        return f"the network lab needs: {', '.join(missing)}"
    try:
        subprocess.run(["ip", "netns", "list"], check=True, capture_output=True, timeout=5)
    except (OSError, subprocess.SubprocessError) as err:
        return f"`ip netns` is unavailable: {err}"
    return None


UNAVAILABLE = _unavailable_reason()


@pytest.fixture(autouse=True)
def _require_lab_environment() -> None:
    if UNAVAILABLE:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {UNAVAILABLE}")
        pytest.skip(UNAVAILABLE)


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    if UNAVAILABLE:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {UNAVAILABLE}")
        pytest.skip(UNAVAILABLE)
    the_lab = Lab()
    the_lab.up()
    try:
        yield the_lab
    finally:
        the_lab.down()
        _assert_gone(the_lab.info)


# --------------------------------------------------------------------------- helpers


def _netns_names() -> set[str]:
    out = subprocess.run(
        ["ip", "netns", "list"], capture_output=True, text=True, timeout=5, check=True
    ).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def _root_ifaces() -> set[str]:
    return set(os.listdir("/sys/class/net"))


def _live_processes_mentioning(*needles: str) -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            cmdline = (
                Path(f"/proc/{entry}/cmdline")
                .read_bytes()
                .replace(b"\0", b" ")
                .decode(errors="replace")
            )
        except OSError:
            continue
        if cmdline and any(n in cmdline for n in needles):  # zombies have an empty cmdline
            found.append(f"{entry}: {cmdline}")
    return found


def _assert_gone(info: LabInfo) -> None:
    leftovers = [n for n in _netns_names() if n.startswith(info.prefix + "-")]
    assert not leftovers, f"netns left behind: {leftovers}"
    ifaces = [i for i in _root_ifaces() if i.startswith(info.prefix)]
    assert not ifaces, f"interfaces left behind: {ifaces}"
    procs = _live_processes_mentioning(info.state_dir, f"{info.prefix}-")
    assert not procs, f"processes left behind: {procs}"
    assert not Path("/etc/netns", f"{info.prefix}-r").exists()


def _wait_for_log(path: str, pattern: str, timeout: float = 5.0, start: int = 0) -> str:
    """First line of the file (from byte offset ``start``) matching ``pattern``."""
    rx = re.compile(pattern)
    deadline = time.monotonic() + timeout
    while True:
        text = Path(path).read_bytes()[start:].decode(errors="replace")
        for line in text.splitlines():
            if rx.search(line):
                return line
        if time.monotonic() > deadline:
            tail = "\n".join(text.splitlines()[-20:])
            raise AssertionError(f"no line matching {pattern!r} in {path}; tail:\n{tail}")
        time.sleep(0.05)


def _log_tail(info: LabInfo, n: int = 40) -> str:
    return "\n".join(Path(info.dnsmasq_log).read_text(errors="replace").splitlines()[-n:])


def _leases(info: LabInfo) -> list[list[str]]:
    return [
        line.split()
        for line in Path(info.dhcp_leases).read_text(errors="replace").splitlines()
        if line.strip()
    ]


def _router_dnsmasq_pid(info: LabInfo) -> int:
    return int(Path(info.state_dir, "dnsmasq.pid").read_text().strip())


# --------------------------------------------------------------------------- tests


def test_lab_up_and_down_cleanly() -> None:
    own = Lab()
    with own as lab:
        info = lab.info
        assert re.fullmatch(r"sg[0-9a-f]{4}", info.prefix)
        names = _netns_names()
        for ns in (info.router_netns, info.wan_netns, *(d.netns for d in info.devices)):
            assert ns in names
            assert ns.startswith(info.prefix + "-")
        assert info.host_iface in _root_ifaces()
        assert len(info.host_iface) <= 15
        saved = json.loads(Path(info.state_dir, "lab.json").read_text())
        assert saved == info.to_dict()
        assert {d.name for d in info.devices} >= {"tv", "speaker"}
        assert info.wan["trackers"]["gz-data.com"] == "203.0.113.10"
        assert info.wan["streaming"]["nflxvideo.net"] == "203.0.113.20"
        assert not os.listdir(info.dnsmasq_conf_dir)
        assert os.access(info.dnsmasq_restart, os.X_OK)
        router_args = Path(info.dnsmasq_restart).read_text()
        assert "nftset" not in router_args
    up_s, down_s = own.timings["up"], own.timings["down"]
    _assert_gone(info)
    assert not Path(info.state_dir).exists(), "state dir created by the lab must be removed"
    own.down()  # idempotent
    _LOGGER.info("lab timings: up %.2fs, down %.2fs", up_s, down_s)
    assert up_s < 15
    assert down_s < 10


def test_failed_bring_up_tears_down(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def broken_dhcp(self: Lab, *args: object) -> None:
        raise RuntimeError("injected DHCP failure")

    monkeypatch.setattr(Lab, "_dhcp", broken_dhcp)
    state = tmp_path / "existing"
    state.mkdir()
    failing = Lab(state_dir=state)
    with pytest.raises(RuntimeError, match="injected"):
        failing.up()
    assert failing.prefix
    assert not [n for n in _netns_names() if n.startswith(failing.prefix + "-")]
    assert not [i for i in _root_ifaces() if i.startswith(failing.prefix)]
    assert not _live_processes_mentioning(str(state))
    assert state.is_dir(), "a state dir the lab did not create must be kept"


def test_two_labs_coexist(lab: Lab) -> None:
    with Lab() as other:
        assert other.info.prefix != lab.info.prefix
        assert other.info.lan_cidr != lab.info.lan_cidr
        for each in (lab, other):
            tv = each.info.device("tv")
            assert each.resolve("tv", "gz-data.com") == ["203.0.113.10"]
            assert tv.ip.startswith(each.info.lan_cidr.rsplit(".", 1)[0] + ".")
            assert each.ssh("nft --version").returncode == 0
    _assert_gone(other.info)
    assert lab.resolve("tv", "samba.tv") == ["203.0.113.12"]


def test_tv_and_speaker_have_dhcp_leases_with_hostnames(lab: Lab) -> None:
    leases = {row[1]: row for row in _leases(lab.info)}
    tv = lab.info.device("tv")
    speaker = lab.info.device("speaker")
    assert tv.kind == "tv"
    assert tv.hostname == "Skyworth-TV"
    assert speaker.kind == "speaker"
    assert speaker.mac.startswith("00:0e:58:")
    assert leases[tv.mac][2:4] == [tv.ip, "Skyworth-TV"]
    assert leases[speaker.mac][2:4] == [speaker.ip, "Sonos-Kitchen"]
    _wait_for_log(lab.info.dnsmasq_log, rf"DHCPACK\(br0\) {re.escape(tv.ip)} {tv.mac} Skyworth-TV$")


def test_tv_resolves_tracker_via_router_and_it_is_logged(lab: Lab) -> None:
    tv = lab.info.device("tv")
    assert lab.resolve("tv", "gz-data.com") == ["203.0.113.10"]
    _wait_for_log(
        lab.info.dnsmasq_log,
        rf"\d+ {re.escape(tv.ip)}/\d+ query\[A\] gz-data\.com from {re.escape(tv.ip)}$",
    )
    _wait_for_log(lab.info.dnsmasq_log, r" reply gz-data\.com is 203\.0\.113\.10$")


def test_wan_dns_only_answers_lab_addresses(lab: Lab) -> None:
    for name, want in {**lab.info.wan["trackers"], **lab.info.wan["streaming"]}.items():
        assert lab.resolve("speaker", name) == [want]
    for name in ("example.com", "google.com", "sub.gz-data.com", "localhost", "x"):
        ips = lab.resolve("tv", name)
        assert ips, name
        assert all(ipaddress.ip_address(ip) in WAN_NET for ip in ips), (name, ips)
    assert lab.resolve("tv", "example.com") == ["203.0.113.99"]
    assert lab.resolve("tv", "gz-data.com", "AAAA") == []


def test_tv_http_to_tracker_and_streaming(lab: Lab) -> None:
    for ip in (
        *lab.info.wan["trackers"].values(),
        *lab.info.wan["streaming"].values(),
        lab.info.wan["catch_all"],
    ):
        assert lab.http_get("tv", ip), ip
    tv_ip = lab.info.device("tv").ip
    _wait_for_log(lab.info.wan_http_log, rf" {re.escape(tv_ip)} 203\.0\.113\.10:80 GET ")
    cp = lab.run_in(
        "tv",
        [
            "curl",
            "-s",
            "--noproxy",
            "*",
            "-m",
            "2",
            "-X",
            "POST",
            "-d",
            "a=1",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "http://203.0.113.12/collect",
        ],
    )
    assert cp.stdout == "200"


def test_tv_reaches_speaker_http_on_lan(lab: Lab) -> None:
    speaker = lab.info.device("speaker")
    assert lab.http_get("tv", speaker.ip)
    assert not lab.http_get("tv", speaker.ip, port=81, timeout=1.0)


def test_ssh_to_router_with_generated_key(lab: Lab) -> None:
    info = lab.info
    assert Path(info.ssh_key_path).read_text() == info.ssh_key_text
    assert info.ssh_host_key.startswith("ssh-ed25519 AAAA")
    assert info.ssh_user == "root"
    assert info.ssh_port == 22
    # the exact command the integration's setup doc uses
    cp = subprocess.run(
        [
            "ssh",
            "-F",
            "/dev/null",
            "-i",
            info.ssh_key_path,
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "LogLevel=ERROR",
            f"root@{info.router_ip}",
            "nft list tables; echo ok",
        ],
        capture_output=True,
        text=True,
        timeout=15,
        check=False,
    )
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.strip().endswith("ok")
    # strict host key checking against the advertised host key; commands run in the router ns
    cp = lab.ssh("ip -4 -o addr show dev br0")
    assert cp.returncode == 0, cp.stderr
    assert f" {info.router_ip}/24 " in cp.stdout


def test_dnsmasq_restart_script_rereads_conf_dir(lab: Lab) -> None:
    info = lab.info
    old_pid = _router_dnsmasq_pid(info)
    snippet = Path(info.dnsmasq_conf_dir, "zz-selfcheck.conf")
    snippet.write_text("address=/restart-check.example/203.0.113.77\n")
    try:
        t0 = time.monotonic()
        cp = lab.ssh(f"sh -c {info.dnsmasq_restart}", timeout=20)
        took = time.monotonic() - t0
        assert cp.returncode == 0, cp.stderr
        assert _router_dnsmasq_pid(info) != old_pid
        assert lab.resolve("tv", "restart-check.example") == ["203.0.113.77"]
        assert lab.resolve("tv", "gz-data.com") == ["203.0.113.10"]
        _LOGGER.info("dnsmasq restart over ssh took %.2fs", took)
    finally:
        snippet.unlink()
        assert lab.ssh(f"sh -c {info.dnsmasq_restart}", timeout=20).returncode == 0
    assert lab.resolve("tv", "restart-check.example") == ["203.0.113.99"]
    # a broken snippet makes the script fail loudly (and a fixed one recovers)
    snippet.write_text("this-is-not-an-option\n")
    try:
        cp = lab.ssh(f"sh -c {info.dnsmasq_restart}", timeout=20)
        assert cp.returncode != 0
        assert "dnsmasq" in cp.stderr
    finally:
        snippet.unlink()
        assert lab.ssh(f"sh -c {info.dnsmasq_restart}", timeout=20).returncode == 0
    assert lab.resolve("tv", "gz-data.com") == ["203.0.113.10"]


HOSTILE: list[tuple[str, str, str | bytes]] = [
    ("evil1", "02:5e:00:00:00:01", b"$(reboot)"),
    ("evil2", "02:5e:00:00:00:02", "a;nft flush ruleset"),
    ("evil3", "02:5e:00:00:00:03", "h" * 200),
    ("evil4", "02:5e:00:00:00:04", "line1\nline2 `id` ../../etc/passwd"),
    ("evil5", "02:5e:00:00:00:05", "Wohnzimmer-Fernseher-ü"),
]


def test_hostile_client_hostnames_do_not_break_the_lab(lab: Lab) -> None:
    info = lab.info
    before = lab.ssh("nft list ruleset").stdout
    for name, mac, hostname in HOSTILE:
        dev = lab.add_client(name, mac, hostname)
        assert dev.kind == "client"
        assert dev.ip
        assert lab.http_get(name, info.wan["catch_all"])
    rows = {row[1]: row for row in _leases(info)}
    for _name, mac, _hostname in HOSTILE:
        assert mac in rows
    for row in rows.values():
        assert len(row) >= 4, row  # one lease per line, nothing injected
    # the lab still works and nothing was executed on the router
    got = lab.resolve("tv", "alphonso.tv")
    assert got == ["203.0.113.13"], _log_tail(info)
    assert lab.ssh("nft list ruleset").stdout == before
    assert (
        json.loads(Path(info.state_dir, "lab.json").read_text())["devices"][-1]["name"] == "evil5"
    )


def test_dnsq_sends_weird_names_and_dnsmasq_logs_them(lab: Lab) -> None:
    tv_ip = re.escape(lab.info.device("tv").ip)
    assert lab.resolve("tv", "semi;colon$(id).example") == ["203.0.113.99"]
    _wait_for_log(lab.info.dnsmasq_log, rf"query\[A\] semi;colon\$\(id\)\.example from {tv_ip}$")
    # a newline (or any unprintable byte) is not written raw: dnsmasq logs a placeholder
    assert lab.resolve("tv", "semi;colon\nnewline.example") == ["203.0.113.99"]
    _wait_for_log(lab.info.dnsmasq_log, rf"query\[A\] <name unprintable> from {tv_ip}$")
    assert lab.resolve("tv", b"nul\x00byte.example") == ["203.0.113.99"]
    log = Path(lab.info.dnsmasq_log).read_text(errors="replace")
    assert "\nnewline.example" not in log


def test_dnsq_refuses_what_it_cannot_or_must_not_send(lab: Lab) -> None:
    cp = lab.run_in(
        "tv",
        [sys.executable, "-I", "-S", str(DNSQ), "--", lab.info.router_ip, "a" * 64 + ".example"],
    )
    assert cp.returncode == 2
    assert json.loads(cp.stdout) == []
    assert "63" in cp.stderr
    with pytest.raises(dnsq.NameNotEncodable):
        dnsq.encode_name(b".".join([b"a" * 60] * 5))
    with pytest.raises(ValueError):
        dnsq.check_server("192.0.2.1")  # pure check, no packet is sent
    assert dnsq.encode_name(b"a;b\n.example.") == b"\x04a;b\n\x07example\x00"


def test_traffic_generator(lab: Lab) -> None:
    info = lab.info
    dns_at = Path(info.dnsmasq_log).stat().st_size
    http_at = Path(info.wan_http_log).stat().st_size
    lab.start_traffic(interval=0.3)
    try:
        tv = re.escape(info.device("tv").ip)
        speaker = re.escape(info.device("speaker").ip)
        for domain in ("gz-data.com", "gozendata.com", "samba.tv", "alphonso.tv", "nflxvideo.net"):
            _wait_for_log(
                info.dnsmasq_log, rf"query\[A\] {re.escape(domain)} from {tv}$", 10, dns_at
            )
        for domain in ("device-metrics-us.amazon.com", "www.youtube.com"):
            _wait_for_log(
                info.dnsmasq_log, rf"query\[A\] {re.escape(domain)} from {speaker}$", 10, dns_at
            )
        for ip in ("203.0.113.10", "203.0.113.11", "203.0.113.12", "203.0.113.13", "203.0.113.20"):
            _wait_for_log(info.wan_http_log, rf" {tv} {re.escape(ip)}:80 GET ", 10, http_at)
        for ip in ("203.0.113.14", "203.0.113.21"):
            _wait_for_log(info.wan_http_log, rf" {speaker} {re.escape(ip)}:80 GET ", 10, http_at)
        pids = [p.pid for p in lab._traffic.values()]
        assert len(pids) == 2
    finally:
        lab.stop_traffic()
    for pid in pids:
        assert (
            not Path(f"/proc/{pid}/cmdline").exists()
            or not Path(f"/proc/{pid}/cmdline").read_bytes()
        )


def test_cli_up_info_down(tmp_path: Path) -> None:
    state = tmp_path / "state"
    cp = subprocess.run(
        [sys.executable, str(NETLAB), "up", "--state-dir", str(state)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert cp.returncode == 0, cp.stderr
    info = LabInfo.from_dict(json.loads(cp.stdout))
    try:
        assert Path(info.dnsmasq_log).exists()
        shown = subprocess.run(
            [sys.executable, str(NETLAB), "info", "--state-dir", str(state)],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        assert json.loads(shown.stdout) == json.loads(cp.stdout)
    finally:
        down = subprocess.run(
            [sys.executable, str(NETLAB), "down", "--state-dir", str(state)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert down.returncode == 0, down.stderr
    _assert_gone(info)
    assert not state.exists()
