"""Feed what Home Assistant already hears on the network into Snoop Guard's inventory.

No second zeroconf instance and no polling of our own: mDNS comes from HA's shared
zeroconf instance (one service browser for the media service types), SSDP from HA's
SSDP callbacks (the description XML is HA's cached fetch), DHCP from HA's DHCP
watcher.

A source is subscribed when its integration is loaded: at once if it already is,
else when HA reports it loaded (``EVENT_COMPONENT_LOADED``). Nothing here may hold
up Snoop Guard: every source starts in a task of its own with a time limit, and a
source that hangs or raises is reported (``status``) and tried again later, while
the others and the DNS counting carry on. (A hostile SSDP device once poisoned HA's
description cache so that ``ssdp.async_register_callback`` never returned.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

from homeassistant.const import EVENT_COMPONENT_LOADED
from homeassistant.core import CALLBACK_TYPE, Event, HassJob, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .const import LOGGER
from .engine.discovery import DhcpRecord, MdnsRecord, SsdpRecord

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.setup import EventComponentLoaded
    from zeroconf import ServiceStateChange, Zeroconf
    from zeroconf.asyncio import AsyncServiceBrowser

MDNS_TYPES: Final = (
    "_googlecast._tcp.local.",
    "_airplay._tcp.local.",
    "_raop._tcp.local.",
    "_amzn-wplay._tcp.local.",
    "_spotify-connect._tcp.local.",
    "_sonos._tcp.local.",
    "_androidtvremote2._tcp.local.",
    "_hap._tcp.local.",
)
MAX_RESOLVING: Final = 16
RESOLVE_TIMEOUT_MS: Final = 3000
MAX_TXT_VALUE: Final = 256

SOURCES: Final = ("zeroconf", "ssdp", "dhcp")
# How long a source may take to accept our subscription. HA's SSDP answers only
# once it has every known device's description, so a slow network needs some slack.
START_TIMEOUT: Final = 60.0
# A source that timed out or failed is tried again this much later (and again after that).
RETRY_AFTER: Final = timedelta(minutes=10)

type RecordSink = Callable[[MdnsRecord | SsdpRecord | DhcpRecord], None]


class SourceState(StrEnum):
    """Where one discovery source stands."""

    NOT_LOADED = "not_loaded"  # HA has not loaded the integration (yet)
    STARTING = "starting"
    ACTIVE = "active"
    TIMED_OUT = "timed_out"
    FAILED = "failed"


@dataclass(slots=True)
class SourceStatus:
    """The state of one source, why it is not active, and how often we tried."""

    state: SourceState = SourceState.NOT_LOADED
    error: str | None = None
    attempts: int = 0
    since: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain values for diagnostics and state attributes."""
        return {
            "state": str(self.state),
            "error": self.error,
            "attempts": self.attempts,
            "since": self.since.isoformat() if self.since else None,
        }


def _txt(properties: dict[bytes, bytes | None]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in list(properties.items())[:32]:
        name = key.decode("utf-8", "replace")[:64]
        out[name] = (value or b"")[:MAX_TXT_VALUE].decode("utf-8", "replace")
    return out


class DiscoveryWatchers:
    """Subscribes to HA's discovery sources and hands records to ``sink``."""

    def __init__(
        self,
        hass: HomeAssistant,
        sink: RecordSink,
        zeroconf: Zeroconf | None = None,
        *,
        entry: ConfigEntry[Any] | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        """Nothing is subscribed until async_start.

        ``zeroconf`` replaces HA's shared instance; only tests that must stay on one
        network (the lab) pass one. Tasks are tied to ``entry`` when given (cancelled
        when it unloads); ``on_change`` is called whenever a source's status changes.
        """
        self.hass = hass
        self.sink = sink
        self._given_zeroconf = zeroconf
        self._entry = entry
        self._on_change = on_change
        self.status: dict[str, SourceStatus] = {source: SourceStatus() for source in SOURCES}
        self._unsubs: dict[str, CALLBACK_TYPE] = {}
        self._retries: dict[str, CALLBACK_TYPE] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._unsub_loaded: CALLBACK_TYPE | None = None
        self._stopped = False
        self._browser: AsyncServiceBrowser | None = None
        self._resolving: set[tuple[str, str]] = set()

    @property
    def active(self) -> list[str]:
        """The sources that deliver records now."""
        return [s for s, status in self.status.items() if status.state is SourceState.ACTIVE]

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """Every source's status, for diagnostics."""
        return {source: status.as_dict() for source, status in self.status.items()}

    async def async_start(self) -> None:
        """Subscribe to every loaded source, and to each one that loads later.

        Returns once the sources loaded now are active, timed out or failed; each one
        starts on its own, so one that hangs delays none of the others.
        """
        self._stopped = False
        if self._unsub_loaded is None:
            self._unsub_loaded = self.hass.bus.async_listen(
                EVENT_COMPONENT_LOADED, self._on_component_loaded, event_filter=_is_source
            )
        starts = [
            task for source in SOURCES if self._loaded(source) and (task := self._spawn(source))
        ]
        if not starts and self._on_change is not None:
            self._on_change()  # show the sources as not loaded
        if starts:
            await asyncio.wait(starts)
        LOGGER.debug("Discovery sources: %s", ", ".join(self.active) or "none")

    def _loaded(self, source: str) -> bool:
        if source == "zeroconf" and self._given_zeroconf is not None:
            return True
        return source in self.hass.config.components

    @callback
    def _on_component_loaded(self, event: Event[EventComponentLoaded]) -> None:
        if not self._stopped:
            self._spawn(event.data["component"])

    @callback
    def _spawn(self, source: str) -> asyncio.Task[None] | None:
        """Start ``source`` in a task of its own, unless it is active or starting."""
        if self._stopped or self.status[source].state in (
            SourceState.ACTIVE,
            SourceState.STARTING,
        ):
            return None
        if (cancel_retry := self._retries.pop(source, None)) is not None:
            cancel_retry()
        self._set(source, SourceState.STARTING, None)
        self.status[source].attempts += 1
        return self._track(self._async_start_source(source), f"snoop_guard discovery {source}")

    def _track(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        if self._entry is not None:
            task = self._entry.async_create_background_task(self.hass, coro, name)
        else:
            task = self.hass.async_create_background_task(coro, name)
        if not task.done():
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return task

    async def _async_start_source(self, source: str) -> None:
        first = self.status[source].attempts == 1
        try:
            async with asyncio.timeout(START_TIMEOUT):
                unsub = await self._async_subscribe(source)
        except TimeoutError:
            self._set(source, SourceState.TIMED_OUT, f"no answer within {START_TIMEOUT:.0f} s")
            (LOGGER.warning if first else LOGGER.debug)(
                "Discovery source %s did not accept a subscription within %.0f s; Snoop Guard"
                " runs without it and tries again in %s",
                source,
                START_TIMEOUT,
                RETRY_AFTER,
            )
            self._schedule_retry(source)
            return
        except Exception as err:  # a broken source must not stop the others
            # Only the exception's type is kept for display: its text may quote what
            # a device sent (a hostile description, a host name).
            self._set(source, SourceState.FAILED, type(err).__name__)
            (LOGGER.warning if first else LOGGER.debug)(
                "Discovery source %s failed to start (%s: %r); Snoop Guard runs without it"
                " and tries again in %s",
                source,
                type(err).__name__,
                str(err)[:200],
                RETRY_AFTER,
            )
            self._schedule_retry(source)
            return
        if self._stopped:
            unsub()
            return
        self._unsubs[source] = unsub
        self._set(source, SourceState.ACTIVE, None)

    async def _async_subscribe(self, source: str) -> CALLBACK_TYPE:
        if source == "zeroconf":
            return await self._async_start_zeroconf()
        if source == "ssdp":
            return await self._async_start_ssdp()
        return self._start_dhcp()

    @callback
    def _set(self, source: str, state: SourceState, error: str | None) -> None:
        status = self.status[source]
        status.state, status.error, status.since = state, error, dt_util.utcnow()
        if self._on_change is not None and not self._stopped:
            self._on_change()

    @callback
    def _schedule_retry(self, source: str) -> None:
        if self._stopped:
            return

        @callback
        def _retry(_now: datetime) -> None:
            self._retries.pop(source, None)
            self._spawn(source)

        self._retries[source] = async_call_later(
            self.hass,
            RETRY_AFTER,
            HassJob(_retry, f"snoop_guard retry {source}", cancel_on_shutdown=True),
        )

    async def _async_start_zeroconf(self) -> CALLBACK_TYPE:
        instance = self._given_zeroconf
        if instance is None:
            from homeassistant.components import zeroconf  # noqa: PLC0415

            instance = (await zeroconf.async_get_async_instance(self.hass)).zeroconf
        self._browse(instance)
        return _nothing

    def _browse(self, instance: Zeroconf) -> None:
        from zeroconf.asyncio import AsyncServiceBrowser  # noqa: PLC0415

        self._browser = AsyncServiceBrowser(instance, list(MDNS_TYPES), handlers=[self._on_mdns])

    async def _async_start_ssdp(self) -> CALLBACK_TYPE:
        from homeassistant.components import ssdp  # noqa: PLC0415

        return await ssdp.async_register_callback(self.hass, self._on_ssdp, None)

    def _start_dhcp(self) -> CALLBACK_TYPE:
        from homeassistant.components.dhcp.helpers import (  # noqa: PLC0415
            async_get_address_data_internal,
            async_register_dhcp_callback_internal,
        )

        self._on_dhcp(async_get_address_data_internal(self.hass))
        return async_register_dhcp_callback_internal(self.hass, self._on_dhcp)

    async def async_stop(self) -> None:
        """Unsubscribe from everything; starts still pending are cancelled."""
        self._stopped = True
        if self._unsub_loaded is not None:
            self._unsub_loaded()
            self._unsub_loaded = None
        for cancel_retry in self._retries.values():
            cancel_retry()
        self._retries.clear()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        for unsub in self._unsubs.values():
            unsub()
        self._unsubs.clear()
        if self._browser is not None:
            await self._browser.async_cancel()
            self._browser = None
        self.status = {source: SourceStatus() for source in SOURCES}

    # -- mDNS ---------------------------------------------------------------------

    def _on_mdns(
        self,
        zeroconf: Zeroconf,
        service_type: str,
        name: str,
        state_change: ServiceStateChange,
    ) -> None:
        from zeroconf import ServiceStateChange  # noqa: PLC0415

        if state_change is ServiceStateChange.Removed or self._stopped:
            return
        key = (service_type, name)
        if key in self._resolving or len(self._resolving) >= MAX_RESOLVING:
            return
        self._resolving.add(key)
        self._track(self._async_resolve(zeroconf, service_type, name), "snoop_guard mdns resolve")

    async def _async_resolve(self, zeroconf: Zeroconf, service_type: str, name: str) -> None:
        from zeroconf.asyncio import AsyncServiceInfo  # noqa: PLC0415

        try:
            info = AsyncServiceInfo(service_type, name)
            if not await info.async_request(zeroconf, RESOLVE_TIMEOUT_MS):
                return
            self.sink(
                MdnsRecord(
                    service_type=service_type,
                    name=name,
                    hostname=info.server,
                    addresses=tuple(info.parsed_scoped_addresses()),
                    properties=_txt(info.properties),
                    port=info.port,
                )
            )
        except (OSError, ValueError) as err:
            LOGGER.debug("Could not resolve %s: %s", name, err)
        finally:
            self._resolving.discard((service_type, name))

    # -- SSDP and DHCP ----------------------------------------------------------------

    @callback
    def _on_ssdp(self, info: Any, change: Any) -> None:
        if str(getattr(change, "name", change)).upper().endswith("BYEBYE"):
            return
        self.sink(ssdp_record(info))

    @callback
    def _on_dhcp(self, data: Mapping[str, Mapping[str, object]]) -> None:
        # HA's DHCP watcher calls this without a guard (unlike SSDP's callbacks): a
        # request we cannot take must not break its processing for other integrations.
        for mac, address in data.items():
            ip, hostname = address.get("ip"), address.get("hostname")
            try:
                self.sink(
                    DhcpRecord(
                        mac=mac,
                        ip=ip if isinstance(ip, str) else None,
                        hostname=hostname if isinstance(hostname, str) else None,
                    )
                )
            except Exception as err:  # see above
                LOGGER.debug("Ignored a DHCP request Snoop Guard could not read: %r", err)


@callback
def _is_source(event_data: EventComponentLoaded) -> bool:
    return event_data["component"] in SOURCES


@callback
def _nothing() -> None:
    """Do nothing: the zeroconf browser is cancelled in async_stop (it needs awaiting)."""


def ssdp_record(info: Any) -> SsdpRecord:
    """Convert HA's SsdpServiceInfo (description already fetched by HA) to a record."""
    return SsdpRecord(
        st=info.ssdp_st or "",
        usn=info.ssdp_usn or "",
        server=info.ssdp_server or "",
        location=info.ssdp_location or "",
    ).with_upnp(info.upnp)
