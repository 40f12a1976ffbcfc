"""Building and tearing down the lab's network: namespaces, links, the LAN, router services.

Topology (all names carry a unique per-lab prefix ``sgXXXX`` so labs can coexist): see
lab/netlab.py.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import ipaddress
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from lab.clients import UDHCPC_SCRIPT, Clients
from lab.layout import (
    CATCH_ALL_IP,
    DEVICE_SPECS,
    DOH_RESOLVERS,
    HTTPD,
    LOCK_FILE,
    STATE_FILE,
    STREAMING,
    TRACKERS,
    WAN_DNS_IP,
    WAN_NET,
    WAN_ROUTER_IP,
    LabError,
    LabInfo,
)
from lab.procs import (
    ENV,
    communicate,
    kill_pids,
    ns_key,
    ns_python,
    pids_in_netns,
    read_pidfile,
    run,
    which,
    write_file,
)
from lab.routerconf import restart_script, router_dnsmasq_args, sshd_config, wan_dnsmasq_args


def _popen_quiet(argv: list[str]) -> subprocess.Popen[bytes]:
    """Start ``argv`` with its stderr on a pipe (for the error message) and no output."""
    return subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV
    )


class Topology(Clients):
    """Bring-up and teardown of the whole lab."""

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

    @staticmethod
    def _pick_lan() -> int:
        used: set[int] = set()
        out = run(["ip", "-j", "-4", "addr"]).stdout
        for link in json.loads(out or "[]"):
            for a in link.get("addr_info", []):
                net = ipaddress.ip_network(f"{a['local']}/{a.get('prefixlen', 32)}", strict=False)
                for n in range(256):
                    if net.overlaps(ipaddress.ip_network(f"198.18.{n}.0/24")):
                        used.add(n)
        out = run(["ip", "-j", "-4", "route", "show", "table", "all"]).stdout
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
            which(prog)
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
            _popen_quiet(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)]
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
        run(
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
            run(["ip", "link", "add", host_if, "type", "veth", "peer", "name", "ha", "netns", ns_r])
            run(["ip", "addr", "add", f"{host_ip}/24", "dev", host_if])
            run(["ip", "link", "set", host_if, "up"])
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
        run(["ip", "-n", ns_r, "-batch", "-"], stdin_text="\n".join(router_batch) + "\n")
        wan_ips = sorted(
            {*TRACKERS.values(), *STREAMING.values(), *DOH_RESOLVERS.values(), CATCH_ALL_IP},
            key=ipaddress.ip_address,
        )
        wan_batch = ["link set lo up", f"addr add {WAN_DNS_IP}/24 dev eth0"]
        wan_batch += [f"addr add {ip}/32 dev eth0" for ip in wan_ips]
        wan_batch += [
            "link set eth0 up",
            f"route add default via {WAN_ROUTER_IP}",
            f"route add {lan} via {WAN_ROUTER_IP}",
        ]
        run(["ip", "-n", ns_w, "-batch", "-"], stdin_text="\n".join(wan_batch) + "\n")
        for s in DEVICE_SPECS:
            run(
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
        router_args = router_dnsmasq_args(
            router_ip, lan, pid_file=sd / "dnsmasq.pid", conf_dir=conf_dir, leases=leases, log=log
        )
        write_file(restart, restart_script(p, router_args, router_ip, sd), 0o755)
        wan_log = sd / "wan-dnsmasq.log"
        wan_args = wan_dnsmasq_args(pid_file=sd / "wan-dnsmasq.pid", log=wan_log, ttl=self._wan_ttl)
        write_file(sd / "udhcpc.sh", UDHCPC_SCRIPT, 0o755)
        www_log = sd / "wan-http.log"

        for proc in keygens:
            _, err = proc.communicate(timeout=10)
            if proc.returncode != 0:
                raise LabError(f"ssh-keygen failed: {err.decode(errors='replace')}")
        host_pub = Path(str(host_key) + ".pub").read_text().split()
        host_key_line = f"{host_pub[0]} {host_pub[1]}"
        client_pub = key_path.with_suffix(".pub").read_text().strip()
        write_file(sd / "authorized_keys", client_pub + "\n", 0o600)
        write_file(sd / "known_hosts", f"{router_ip} {host_key_line}\n", 0o644)
        write_file(sd / "sshd_config", sshd_config(router_ip, sd, host_key), 0o644)
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        timings["files"] = time.monotonic() - t

        # services (in parallel)
        sshd_argv = [sshd, "-f", str(sd / "sshd_config"), "-E", str(sd / "sshd.log")]
        starters = {
            "wan-dnsmasq": _popen_quiet(["ip", "netns", "exec", ns_w, *wan_args]),
            "router-dnsmasq": _popen_quiet(["ip", "netns", "exec", ns_r, str(restart)]),
            "sshd": _popen_quiet(["ip", "netns", "exec", ns_r, *sshd_argv]),
        }
        self._start_httpd(
            "wan-httpd",
            ns_w,
            [f"{ip}:80" for ip in wan_ips] + [f"{ip}:443" for ip in DOH_RESOLVERS.values()],
            www_log,
            "wan",
            wait=False,
        )
        for name, proc in starters.items():
            _, err = communicate(proc, 15, f"{name} did not start in time")
            if proc.returncode != 0:
                msg = err.decode(errors="replace").strip()
                raise LabError(f"{name} failed to start (rc={proc.returncode}): {msg}")
        for name, pidfile in (
            ("wan-dnsmasq", sd / "wan-dnsmasq.pid"),
            ("router-dnsmasq", sd / "dnsmasq.pid"),
            ("sshd", sd / "sshd.pid"),
        ):
            pid = read_pidfile(pidfile)
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
        self._wait_ready("wan-httpd")
        self._wait_ready("speaker-httpd")
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

    def _start_httpd(
        self, label: str, ns: str, binds: list[str], log: Path, name: str, *, wait: bool = True
    ) -> None:
        argv = [*ns_python(ns, HTTPD), "--name", name, "--log", str(log)]
        for b in binds:
            argv += ["--bind", b]
        self._start_server(label, argv, wait=wait)

    # ------------------------------------------------------------------ teardown
    def down(self) -> None:
        """Stop everything the lab started and delete its namespaces, links and files."""
        t0 = time.monotonic()
        with contextlib.suppress(Exception):
            self.stop_traffic()
        with contextlib.suppress(Exception):
            self.stop_announce()
        keys = set(self._ns_keys.values())
        for ns in self._netns:
            key = ns_key(f"/run/netns/{ns}")
            if key:
                keys.add(key)
        victims: set[int] = set()
        # pid files and recorded pids, but only if the process lives in one of our namespaces
        candidates = set(self._pids.values())
        if self.state_dir is not None:
            for pf in ("dnsmasq.pid", "wan-dnsmasq.pid", "sshd.pid"):
                pid = read_pidfile(self.state_dir / pf)
                if pid:
                    candidates.add(pid)
        for pid in candidates:
            if ns_key(f"/proc/{pid}/ns/net") in keys:
                victims.add(pid)
        # `ip netns pids` for each namespace + a /proc scan for namespaces already unnamed
        for ns in self._netns:
            if os.path.exists(f"/run/netns/{ns}"):
                with contextlib.suppress(LabError):
                    out = run(["ip", "netns", "pids", ns], timeout=5, check=False).stdout
                    victims.update(int(x) for x in out.split() if x.isdigit())
        victims |= pids_in_netns(keys)
        victims.discard(os.getpid())
        kill_pids(victims)
        for proc in self._popen.values():
            with contextlib.suppress(Exception):
                if proc.stdout and not proc.stdout.closed:
                    proc.stdout.close()
                proc.wait(timeout=1)
        self._popen.clear()
        if self._host_iface and os.path.exists(f"/sys/class/net/{self._host_iface}"):
            run(["ip", "link", "del", self._host_iface], check=False, timeout=5)
        for ns in reversed(self._netns):
            if os.path.exists(f"/run/netns/{ns}"):
                run(["ip", "netns", "del", ns], check=False, timeout=5)
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
    def sweep(prefix: str) -> list[str]:
        """Remove every netns / root interface named ``<prefix>-*`` and their processes."""
        if not re.fullmatch(r"[a-z][a-z0-9]{1,7}", prefix):
            raise ValueError("bad prefix")
        names = [
            n
            for n in (os.listdir("/run/netns") if os.path.isdir("/run/netns") else [])
            if n.startswith(prefix + "-")
        ]
        keys = {k for n in names if (k := ns_key(f"/run/netns/{n}"))}
        kill_pids(pids_in_netns(keys))
        removed = []
        for ifname in os.listdir("/sys/class/net"):
            if ifname.startswith(prefix + "-"):
                run(["ip", "link", "del", ifname], check=False)
                removed.append(ifname)
        for n in names:
            run(["ip", "netns", "del", n], check=False)
            removed.append(n)
        if os.path.isdir("/etc/netns"):
            for n in os.listdir("/etc/netns"):
                if n.startswith(prefix + "-"):
                    shutil.rmtree(Path("/etc/netns") / n, ignore_errors=True)
                    removed.append(f"/etc/netns/{n}")
        return removed
