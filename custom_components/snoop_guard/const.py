"""Constants for Snoop Guard."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

DOMAIN: Final = "snoop_guard"
LOGGER: Final = logging.getLogger(__package__)

CONF_PRIVATE_KEY: Final = "private_key"
CONF_HOST_KEY: Final = "host_key"
CONF_LOG_SOURCE: Final = "log_source"
CONF_LOG_PATH: Final = "log_path"
CONF_LEASES_PATH: Final = "leases_path"
CONF_DNSMASQ_CONF_DIR: Final = "dnsmasq_conf_dir"
CONF_DNSMASQ_RESTART: Final = "dnsmasq_restart"
CONF_KINDS: Final = "monitored_kinds"
CONF_INCLUDE: Final = "include_devices"
CONF_EXCLUDE: Final = "exclude_devices"
CONF_STALE_DAYS: Final = "stale_days"
DEFAULT_KINDS: Final = ("tv", "streamer", "speaker")
DEFAULT_STALE_DAYS: Final = 30
CONF_SUBSCRIPTIONS: Final = "subscriptions"
CONF_SCAN_INTERFACE: Final = "scan_interface"
CONF_ALLOWED_SCANNERS: Final = "allowed_scanners"
CONF_SWEEP_MIN_TARGETS: Final = "sweep_min_targets"
CONF_SWEEP_WINDOW: Final = "sweep_window_seconds"
CONF_UPLOAD_WINDOW: Final = "upload_window_minutes"
EVENT_SCAN_DETECTED: Final = "snoop_guard_scan_detected"
CONF_ALLOW_OVERRIDES: Final = "allow_overrides"
# Catalogue ids of the default tracker lists the user opted out of (engine/vendorlists.py).
CONF_DEFAULT_LISTS_OFF: Final = "default_lists_off"

DEFAULT_PORT: Final = 22
DEFAULT_USERNAME: Final = "root"

# The router's table is checked (and re-applied when it differs) this often.
RECONCILE_INTERVAL: Final = timedelta(seconds=30)
# Lines replayed from the log after a reconnect; the cursor drops those already seen.
LOG_BACKLOG: Final = 500
STREAM_BACKOFF_MAX: Final = 60.0
# A DNS filter's query log is polled this often (detection latency p95 stays under 5 s).
POLL_INTERVAL: Final = timedelta(seconds=2)
STORE_VERSION: Final = 1
STORE_SAVE_DELAY: Final = 15.0
MAX_PENDING_CONTACTS: Final = 1000

# The two kinds of block, as used in services and stored timers.
BLOCK_KINDS: Final = ("trackers", "internet", "bypass")
# Subscribed lists are checked this often (each is fetched at most daily).
LIST_CHECK_INTERVAL: Final = timedelta(hours=1)
# The default (per-vendor) lists are first fetched this long after setup.
DEFAULT_LISTS_DELAY: Final = timedelta(minutes=2)
# A config entry's stable router id: the prefix of every unique id and device
# identifier. Unlike the entry's unique_id (the SSH host-key fingerprint) it never
# changes, so reauth with a new host key keeps every entity and device.
CONF_ROUTER_ID: Final = "router_id"
# Ids of devices we made and removed when another integration's device for the same
# MAC took our entities over: automations that still name them keep working.
CONF_DEVICE_ALIASES: Final = "device_aliases"
MAX_DEVICE_ALIASES: Final = 200
