"""Options flow: which devices are watched, subscribed lists, allow-list overrides, scans.

Default tracker lists (engine/vendorlists.py) are on unless the user opts out of
them one by one (``default_lists_off``, catalogue ids).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import probatio
from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .const import (
    CONF_ALLOW_OVERRIDES,
    CONF_ALLOWED_SCANNERS,
    CONF_DEFAULT_LISTS_OFF,
    CONF_EXCLUDE,
    CONF_INCLUDE,
    CONF_KINDS,
    CONF_SCAN_INTERFACE,
    CONF_STALE_DAYS,
    CONF_SUBSCRIPTIONS,
    CONF_SWEEP_MIN_TARGETS,
    CONF_SWEEP_WINDOW,
    CONF_UPLOAD_WINDOW,
    DEFAULT_KINDS,
    DEFAULT_STALE_DAYS,
)
from .engine.allowlist import FUNCTIONAL_ALLOW
from .engine.classify import DeviceKind
from .engine.routerdata import normalize_mac
from .engine.scan import ScanConfig
from .engine.vendorlists import CATALOGUE, CATALOGUE_BY_ID

DEFAULT_SCAN = ScanConfig()


def _valid_url(url: str) -> bool:
    parsed = urlsplit(url)
    return parsed.scheme in ("http", "https") and bool(parsed.hostname) and len(url) <= 2048


def _allow_options() -> list[SelectOptionDict]:
    """List the functional allow rules a user may choose to not honour."""
    return [
        SelectOptionDict(value=row.id, label=f"{row.domain}: {row.reason}")
        for row in FUNCTIONAL_ALLOW
    ]


def _default_list_options() -> list[SelectOptionDict]:
    """List the default tracker lists, each labelled with its vendor and licence."""
    return [
        SelectOptionDict(value=item.id, label=f"{item.vendor}: {item.title} ({item.license})")
        for item in CATALOGUE
    ]


class SnoopGuardOptionsFlow(OptionsFlowWithReload):
    """Options that change what Snoop Guard watches and what counts as a tracker."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Pick which devices are watched, subscribed lists and allow-list overrides."""
        errors: dict[str, str] = {}
        options = dict(self.config_entry.options)
        if user_input is not None:
            urls = [u.strip() for u in user_input.get(CONF_SUBSCRIPTIONS, []) if u.strip()]
            include = [normalize_mac(m) for m in user_input.get(CONF_INCLUDE, []) if m.strip()]
            scanners = [
                normalize_mac(m) for m in user_input.get(CONF_ALLOWED_SCANNERS, []) if m.strip()
            ]
            exclude = [normalize_mac(m) for m in user_input.get(CONF_EXCLUDE, []) if m.strip()]
            if not all(_valid_url(u) for u in urls):
                errors[CONF_SUBSCRIPTIONS] = "invalid_url"
            elif None in include:
                errors[CONF_INCLUDE] = "invalid_mac"
            elif None in exclude:
                errors[CONF_EXCLUDE] = "invalid_mac"
            elif None in scanners:
                errors[CONF_ALLOWED_SCANNERS] = "invalid_mac"
            else:
                return self.async_create_entry(
                    data={
                        CONF_KINDS: list(user_input.get(CONF_KINDS, [])),
                        CONF_INCLUDE: sorted({m for m in include if m}),
                        CONF_EXCLUDE: sorted({m for m in exclude if m}),
                        CONF_STALE_DAYS: int(user_input.get(CONF_STALE_DAYS, DEFAULT_STALE_DAYS)),
                        CONF_SUBSCRIPTIONS: list(dict.fromkeys(urls)),
                        CONF_ALLOW_OVERRIDES: list(user_input.get(CONF_ALLOW_OVERRIDES, [])),
                        CONF_DEFAULT_LISTS_OFF: [
                            item
                            for item in dict.fromkeys(user_input.get(CONF_DEFAULT_LISTS_OFF, []))
                            if item in CATALOGUE_BY_ID
                        ],
                        CONF_SCAN_INTERFACE: str(user_input.get(CONF_SCAN_INTERFACE, "")).strip(),
                        CONF_ALLOWED_SCANNERS: sorted({m for m in scanners if m}),
                        CONF_SWEEP_MIN_TARGETS: int(
                            user_input.get(CONF_SWEEP_MIN_TARGETS, DEFAULT_SCAN.sweep_min_targets)
                        ),
                        CONF_SWEEP_WINDOW: int(
                            user_input.get(
                                CONF_SWEEP_WINDOW, DEFAULT_SCAN.sweep_window.total_seconds()
                            )
                        ),
                        CONF_UPLOAD_WINDOW: int(
                            user_input.get(
                                CONF_UPLOAD_WINDOW, DEFAULT_SCAN.upload_window.total_seconds() / 60
                            )
                        ),
                    }
                )
            options |= user_input
        text_list = TextSelector(TextSelectorConfig(multiple=True))
        return self.async_show_form(
            step_id="init",
            data_schema=probatio.Schema(
                {
                    probatio.Required(
                        CONF_KINDS, default=list(options.get(CONF_KINDS, DEFAULT_KINDS))
                    ): SelectSelector(
                        SelectSelectorConfig(
                            options=[k.value for k in DeviceKind],
                            multiple=True,
                            translation_key="device_kind",
                        )
                    ),
                    probatio.Optional(
                        CONF_INCLUDE, default=options.get(CONF_INCLUDE, [])
                    ): text_list,
                    probatio.Optional(
                        CONF_EXCLUDE, default=options.get(CONF_EXCLUDE, [])
                    ): text_list,
                    probatio.Required(
                        CONF_STALE_DAYS, default=options.get(CONF_STALE_DAYS, DEFAULT_STALE_DAYS)
                    ): NumberSelector(
                        NumberSelectorConfig(min=1, max=365, mode=NumberSelectorMode.BOX)
                    ),
                    probatio.Optional(
                        CONF_DEFAULT_LISTS_OFF,
                        default=[
                            item
                            for item in options.get(CONF_DEFAULT_LISTS_OFF, [])
                            if item in CATALOGUE_BY_ID
                        ],
                    ): SelectSelector(
                        SelectSelectorConfig(
                            options=_default_list_options(),
                            multiple=True,
                            mode=SelectSelectorMode.LIST,
                        )
                    ),
                    probatio.Optional(
                        CONF_SUBSCRIPTIONS, default=options.get(CONF_SUBSCRIPTIONS, [])
                    ): TextSelector(TextSelectorConfig(type=TextSelectorType.URL, multiple=True)),
                    probatio.Optional(
                        CONF_ALLOW_OVERRIDES, default=options.get(CONF_ALLOW_OVERRIDES, [])
                    ): SelectSelector(
                        SelectSelectorConfig(
                            options=_allow_options(),
                            multiple=True,
                            mode=SelectSelectorMode.DROPDOWN,
                        )
                    ),
                    probatio.Optional(
                        CONF_SCAN_INTERFACE, default=options.get(CONF_SCAN_INTERFACE, "")
                    ): TextSelector(),
                    probatio.Optional(
                        CONF_ALLOWED_SCANNERS, default=options.get(CONF_ALLOWED_SCANNERS, [])
                    ): text_list,
                    probatio.Required(
                        CONF_SWEEP_MIN_TARGETS,
                        default=options.get(CONF_SWEEP_MIN_TARGETS, DEFAULT_SCAN.sweep_min_targets),
                    ): NumberSelector(
                        NumberSelectorConfig(min=3, max=254, mode=NumberSelectorMode.BOX)
                    ),
                    probatio.Required(
                        CONF_SWEEP_WINDOW,
                        default=options.get(
                            CONF_SWEEP_WINDOW, int(DEFAULT_SCAN.sweep_window.total_seconds())
                        ),
                    ): NumberSelector(
                        NumberSelectorConfig(min=5, max=600, mode=NumberSelectorMode.BOX)
                    ),
                    probatio.Required(
                        CONF_UPLOAD_WINDOW,
                        default=options.get(
                            CONF_UPLOAD_WINDOW, int(DEFAULT_SCAN.upload_window.total_seconds() / 60)
                        ),
                    ): NumberSelector(
                        NumberSelectorConfig(min=1, max=120, mode=NumberSelectorMode.BOX)
                    ),
                }
            ),
            errors=errors,
        )
