"""The dashboard card in a real browser, against a real Home Assistant and the lab router.

Home Assistant runs as its own process, set up the way scripts/demo sets it up (onboarding,
the config flow and the dashboard through HA's own APIs, scripts/demo_provision.py). Headless
Chromium logs in through HA's login form and opens the Snoop Guard dashboard (the
integration's strategy). Any failed websocket command, page error or dialog fails the test.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant

from lab.netlab import Lab
from scripts.demo_provision import (
    add_snoop_guard,
    call,
    create_dashboard,
    onboard,
    wait_for_hass,
    wait_until_running,
    websocket_commands,
)

from .conftest import router_nft, wait_for

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
CHROMIUM = "/usr/bin/chromium"
USER, PASSWORD = "card", "snoop-guard-card-test"
EVIL_NAME = "<img src=x onerror=alert(1)>"
TV_LOOKUPS = (
    "samba.tv",
    "alphonso.tv",
    "device-metrics-us.amazon.com",
    "gozendata.com",
    "gz-data.com",
)
CONFIG = """\
homeassistant:
  name: Snoop Guard card test
  unit_system: metric
  time_zone: UTC
  country: DE
frontend:
config:
history:
logger:
  default: warning
"""

# Runs in the page: what "Add card" and "New dashboard" offer, and the card editor picking.
EDITOR_PROBE = """async () => {
  const hass = document.querySelector("home-assistant").hass;
  const editor = customElements.get("snoop-guard-card").getConfigElement();
  editor.setConfig({ type: "custom:snoop-guard-card" });
  editor.hass = hass;
  document.body.append(editor);
  const picked = new Promise((resolve) =>
    editor.addEventListener("config-changed", (ev) => resolve(ev.detail.config)));
  const selector = editor.shadowRoot.querySelector("ha-selector");
  const native = editor.shadowRoot.querySelector("select");
  let devices;
  if (selector) {
    devices = selector.selector;
    const detail = { value: "picked-device" };
    selector.dispatchEvent(new CustomEvent("value-changed", { detail }));
  } else {
    devices = [...native.options].map((o) => o.text);
    native.value = native.options[native.options.length - 1].value;
    native.dispatchEvent(new Event("change"));
  }
  const config = await picked;
  editor.remove();
  return {
    cards: (window.customCards || []).map((c) => c.type),
    strategies: (window.customStrategies || []).map((s) => `${s.strategyType}:${s.type}`),
    devices,
    config,
  };
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RealHass:
    """A Home Assistant process with Snoop Guard set up against the lab router."""

    base: str
    token: str
    process: subprocess.Popen[bytes]
    log: Path
    entry_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _start(config_dir: Path, port: int) -> tuple[subprocess.Popen[bytes], Path]:
    (config_dir / ".storage").mkdir(parents=True)
    (config_dir / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    # As scripts/demo: core config, analytics and integrations are marked done up front;
    # the user is created through HA's onboarding API.
    (config_dir / ".storage" / "onboarding").write_text(
        json.dumps(
            {
                "version": 4,
                "minor_version": 1,
                "key": "onboarding",
                "data": {"done": ["core_config", "analytics", "integration"]},
            }
        ),
        encoding="utf-8",
    )
    log = config_dir / "hass.log"
    # The port comes from HA's own SETUP_PORT variable: an http: section in YAML would be
    # migrated to HA's UI-managed HTTP settings and leave a confirmation dialog open.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SETUP_PORT": str(port)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "homeassistant", "--config", str(config_dir)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    return process, log


def _delete_entry(base: str, token: str, entry_id: str) -> None:
    """Remove the entry as Settings does: Snoop Guard takes its rules off the router."""
    request = urllib.request.Request(
        f"{base}/api/config/config_entries/entry/{entry_id}",
        headers={"Authorization": f"Bearer {token}"},
        method="DELETE",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()


def _provision(base: str, lab: Lab) -> tuple[str, str]:
    wait_for_hass(timeout=120, base=base)
    token = onboard(USER, PASSWORD, base=base)
    add_snoop_guard(token, lab.info.to_dict(), base=base)
    wait_until_running(token, timeout=120, base=base)
    entries = call("/api/config/config_entries/entry?domain=snoop_guard", token=token, base=base)
    return token, entries[0]["entry_id"]


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
async def real_hass(
    hass: HomeAssistant, lab: Lab, lab_sockets: None, tmp_path: Path
) -> AsyncGenerator[RealHass]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("the browser test must run in CI: chromium is missing (scripts/setup)")
        pytest.skip("needs Debian's chromium (scripts/setup installs it)")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process, log = _start(tmp_path / "config", port)
    running = RealHass(base=base, token="", process=process, log=log)
    try:
        running.token, running.entry_id = await hass.async_add_executor_job(_provision, base, lab)
        yield running
    except BaseException:
        sys.stderr.write(log.read_text(encoding="utf-8", errors="replace")[-6000:])
        raise
    finally:
        if running.entry_id and process.poll() is None:
            await hass.async_add_executor_job(_delete_entry, base, running.token, running.entry_id)
        await hass.async_add_executor_job(_stop, process)
        router_nft(lab, ["delete", "table", "inet", "snoop_guard"], check=False)


def _states(real: RealHass) -> dict[str, dict[str, Any]]:
    return {s["entity_id"]: s for s in call("/api/states", token=real.token, base=real.base)}


def _device_id(devices: list[dict[str, Any]], mac: str) -> str:
    return next(d["id"] for d in devices if ["mac", mac] in d["connections"])


class Watch:
    """What must never happen in the page: failed commands, page errors, dialogs."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def attach(self, page: Any) -> None:
        page.on("pageerror", lambda err: self.problems.append(f"page error: {err}"))
        page.on("dialog", self._dialog)
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    async def _dialog(self, dialog: Any) -> None:
        self.problems.append(f"dialog ({dialog.type}): {dialog.message}")
        await dialog.dismiss()

    def _frame(self, payload: str | bytes) -> None:
        try:
            messages = json.loads(payload)
        except ValueError:
            return
        for msg in messages if isinstance(messages, list) else [messages]:
            if isinstance(msg, dict) and msg.get("success") is False:
                error = msg.get("error")
                self.problems.append(f"websocket command {msg.get('id')} failed: {error}")

    def __iter__(self) -> Iterator[str]:
        return iter(self.problems)


async def _login(page: Any, base: str, url: str) -> None:
    """Open url and log in through HA's login form, which then returns to url.

    (Going to the default dashboard first would show HA's own "no config saved" answer
    for it as a failed command.)
    """
    await page.goto(url, wait_until="networkidle")
    await page.fill("input[name=username]", USER)
    await page.fill("input[name=password]", PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(re.escape(base) + r"/(?!auth).*"), timeout=30000)
    # Logged in once the frontend has its connection (and has stored the tokens).
    await page.wait_for_function(
        "document.querySelector('home-assistant')?.hass?.user?.id"
        " && !document.getElementById('ha-launch-screen')",
        timeout=30000,
    )


async def test_card_shows_the_tv_and_blocks_its_trackers(
    hass: HomeAssistant, lab: Lab, real_hass: RealHass
) -> None:
    from playwright.async_api import async_playwright, expect  # noqa: PLC0415

    real = real_hass
    tv = lab.info.device("tv")
    speaker = lab.info.device("speaker")
    tracker_ip = lab.info.wan["trackers"]["gz-data.com"]

    # The TV looks up trackers (through the router, so the block has addresses to use),
    # one after the other: each is counted before the next, which gives the chart steps.
    def tv_last_tracker(name: str) -> bool:
        return any(
            state["entity_id"].endswith("tracker_contacts_24_h")
            and state["attributes"].get("last_tracker") == name
            for state in _states(real).values()
        )

    for name in TV_LOOKUPS:
        assert await hass.async_add_executor_job(lab.resolve, "tv", name)
        await wait_for(
            lambda name=name: hass.async_add_executor_job(tv_last_tracker, name),
            within=20,
            step=0.2,
        )
    assert await hass.async_add_executor_job(lab.http_get, "tv", tracker_ip)

    # The card reads earlier trackers from the recorder, which commits about once a second:
    # open the page only once every lookup is there (as a person would a moment later).
    last_tracker = next(
        entity_id
        for entity_id, state in (await hass.async_add_executor_job(_states, real)).items()
        if entity_id.endswith("_last_tracker") and state["state"] == TV_LOOKUPS[-1]
    )

    async def recorded() -> bool:
        [history] = await websocket_commands(
            real.token,
            [
                {
                    "type": "history/history_during_period",
                    "start_time": "2000-01-01T00:00:00+00:00",
                    "entity_ids": [last_tracker],
                    "minimal_response": True,
                    "no_attributes": True,
                    "significant_changes_only": False,
                }
            ],
            real.base,
        )
        return set(TV_LOOKUPS) <= {row.get("s") for row in history.get(last_tracker, [])}

    await wait_for(recorded, within=20, step=0.5)

    dashboard = await hass.async_add_executor_job(create_dashboard, real.token, real.base)
    [devices] = await websocket_commands(
        real.token, [{"type": "config/device_registry/list"}], real.base
    )
    tv_name = next(d for d in devices if ["mac", tv.mac] in d["connections"])["name"]

    watch = Watch()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            desktop = await browser.new_context(
                viewport={"width": 1400, "height": 1000}, color_scheme="dark"
            )
            page = await desktop.new_page()
            watch.attach(page)
            await _login(page, real.base, dashboard)

            card = page.get_by_role("group", name=f"Snoop Guard: {tv_name}")
            await expect(card).to_contain_text("Gozen Data", timeout=20000)
            await expect(card).to_contain_text("Samba TV")
            await expect(card).to_contain_text("gz-data.com")
            # From the recorder (history/history_during_period): earlier trackers and the chart.
            await expect(card).to_contain_text("alphonso.tv", timeout=20000)
            await expect(card.locator("svg.spark path.spark-line")).to_have_count(1)
            count = int(await card.locator(".big").inner_text())
            assert count >= len(TV_LOOKUPS)

            # Block trackers from the card: the router refuses the TV's tracker traffic.
            block = card.get_by_role("switch", name=f"Block trackers for {tv_name}")
            await expect(block).to_have_attribute("aria-checked", "false")
            await block.click()
            await expect(block).to_have_attribute("aria-checked", "true", timeout=20000)
            assert not await hass.async_add_executor_job(lab.http_get, "tv", tracker_ip)
            # A timed block (the snoop_guard.block action) shows when it ends.
            tv_id = _device_id(devices, tv.mac)
            await hass.async_add_executor_job(
                lambda: call(
                    "/api/services/snoop_guard/block",
                    {"device_id": tv_id, "what": "internet", "duration": "08:00:00"},
                    token=real.token,
                    base=real.base,
                )
            )
            internet = card.get_by_role("switch", name=f"Block internet for {tv_name}")
            await expect(internet).to_have_attribute("aria-checked", "true", timeout=20000)
            await expect(card).to_contain_text("Blocked until")
            await page.wait_for_timeout(500)  # let the chart's transition settle for the picture
            DOCS.mkdir(exist_ok=True)
            await page.screenshot(path=str(DOCS / "card-desktop.png"))

            phone = await browser.new_context(
                viewport={"width": 390, "height": 844},
                color_scheme="light",
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
            )
            small = await phone.new_page()
            watch.attach(small)
            await _login(small, real.base, dashboard)
            small_card = small.get_by_role("group", name=f"Snoop Guard: {tv_name}")
            await expect(small_card).to_contain_text("Gozen Data", timeout=20000)
            # Nothing sticks out sideways at a phone's width.
            overflow = await small.evaluate(
                "document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
            )
            assert overflow <= 0
            await small.screenshot(path=str(DOCS / "card-phone.png"))

            # And back: the internet block with a click, the tracker block with the keyboard.
            await internet.click()
            await expect(internet).to_have_attribute("aria-checked", "false", timeout=20000)
            await block.focus()
            await page.keyboard.press("Space")
            await expect(block).to_have_attribute("aria-checked", "false", timeout=20000)
            assert await hass.async_add_executor_job(lab.http_get, "tv", tracker_ip)

            # Offered in "Add card" and in "New dashboard"; the editor picks among our devices.
            offered = await page.evaluate(EDITOR_PROBE)
            assert "snoop-guard-card" in offered["cards"]
            assert "dashboard:snoop-guard" in offered["strategies"]
            assert offered["config"]["device_id"]
            assert offered["devices"] == {"device": {"integration": "snoop_guard"}} or (
                tv_name in offered["devices"]
            )

            # A device name is device-controlled text: shown as text, never run.
            speaker_id = _device_id(devices, speaker.mac)
            await websocket_commands(
                real.token,
                [
                    {
                        "type": "config/device_registry/update",
                        "device_id": speaker_id,
                        "name_by_user": EVIL_NAME,
                    }
                ],
                real.base,
            )
            evil = page.get_by_role("group", name=f"Snoop Guard: {EVIL_NAME}")
            await expect(evil.locator("a.name")).to_have_text(EVIL_NAME, timeout=20000)
            await page.reload(wait_until="networkidle")
            await expect(evil.locator("a.name")).to_have_text(EVIL_NAME, timeout=20000)
            assert await evil.locator("img").count() == 0
            await page.wait_for_timeout(300)  # an onerror handler would have fired by now
        finally:
            await browser.close()

    assert list(watch) == []
