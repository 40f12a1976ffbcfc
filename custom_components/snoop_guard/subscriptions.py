"""Tracker lists the user subscribes to by URL, fetched on this Home Assistant.

Lists whose licence forbids bundling (hagezi, DuckDuckGo, Disconnect…) are fine to
download on the user's own machine. Each list is fetched at most daily with HA's
shared aiohttp session, with conditional requests (ETag / Last-Modified), a size
cap and a format check. The last good copy is kept in HA's cache directory (out of
backups) and used offline; a copy that is gone is fetched again. A failure becomes a
repair issue only when it has lasted for days.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER
from .engine.compiled import CACHE_FILE

MAX_LIST_BYTES: Final = 8 * 1024 * 1024
FETCH_TIMEOUT: Final = 30.0
REFRESH_EVERY: Final = timedelta(days=1)
# A list failing for this long (while fetches are attempted) becomes a repair issue.
PERSISTENT_FAILURE: Final = timedelta(days=3)

type Validator = Callable[[str], str | None]
"""Return None when the text is a usable list, else the reason it is not."""


class SubscriptionError(Exception):
    """A list could not be fetched or was not usable."""


@dataclass(slots=True)
class ListStatus:
    """What we know of one subscribed list."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    fetched: str | None = None
    checked: str | None = None
    failing_since: str | None = None
    last_error: str | None = None
    sha256: str | None = None


async def async_fetch(
    session: aiohttp.ClientSession,
    status: ListStatus,
    *,
    max_bytes: int = MAX_LIST_BYTES,
    timeout: float = FETCH_TIMEOUT,  # noqa: ASYNC109 - a network budget, not a cancel scope
) -> str | None:
    """Fetch one list; return its text, or None when it is unchanged (HTTP 304)."""
    headers = {"Accept": "text/plain, */*;q=0.5"}
    if status.etag:
        headers["If-None-Match"] = status.etag
    if status.last_modified:
        headers["If-Modified-Since"] = status.last_modified
    try:
        async with asyncio.timeout(timeout), session.get(status.url, headers=headers) as resp:
            if resp.status == 304:
                return None
            if resp.status != 200:
                raise SubscriptionError(f"HTTP {resp.status}")
            if (length := resp.content_length) is not None and length > max_bytes:
                raise SubscriptionError(f"larger than {max_bytes} bytes")
            body = bytearray()
            async for chunk in resp.content.iter_chunked(65536):
                body += chunk
                if len(body) > max_bytes:
                    raise SubscriptionError(f"larger than {max_bytes} bytes")
            status.etag = resp.headers.get("ETag")
            status.last_modified = resp.headers.get("Last-Modified")
    except TimeoutError as err:
        raise SubscriptionError(f"no answer within {timeout:.0f} s") from err
    except aiohttp.ClientError as err:
        raise SubscriptionError(f"download failed: {err}") from err
    except (ValueError, OSError) as err:
        # A malformed URL or header (ValueError, UnicodeError), a socket error that
        # aiohttp did not wrap: the saved copy stays in use.
        raise SubscriptionError(f"download failed: {type(err).__name__}: {err}") from err
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SubscriptionError("not UTF-8 text") from err


class SubscriptionManager:
    """Keeps the subscribed lists of one config entry current, on disk."""

    def __init__(
        self, hass: HomeAssistant, entry_id: str, urls: list[str], validate: Validator
    ) -> None:
        """Nothing is read or fetched until async_load / async_refresh."""
        self.hass = hass
        self.entry_id = entry_id
        self.urls = list(dict.fromkeys(urls))
        self.validate = validate
        self.status: dict[str, ListStatus] = {}
        self._store: Store[dict[str, Any]] = Store(hass, 1, f"{DOMAIN}.{entry_id}.lists")
        # Next to the entry's compiled matcher (knowledge.cache_dir), out of backups.
        self._dir = Path(hass.config.cache_path(DOMAIN, entry_id, "lists"))

    def _path(self, url: str) -> Path:
        digest = hashlib.sha256(f"{self.entry_id}\n{url}".encode()).hexdigest()[:24]
        return self._dir / f"{digest}.txt"

    async def async_load(self) -> None:
        """Restore what we know of each list."""
        data = await self._store.async_load() or {}
        known = data.get("lists") if isinstance(data.get("lists"), dict) else {}
        for url in self.urls:
            raw = known.get(url) if isinstance(known, dict) else None
            fields = (
                {k: v for k, v in raw.items() if isinstance(v, str)}
                if isinstance(raw, dict)
                else {}
            )
            fields.pop("url", None)
            self.status[url] = ListStatus(
                url=url, **{k: v for k, v in fields.items() if k in ListStatus.__dataclass_fields__}
            )
        present = await self.hass.async_add_executor_job(self._settle_files)
        for url, status in self.status.items():
            if status.sha256 and self._path(url).name not in present:
                # The copy is gone (cache cleared, backup restored without it): the
                # next refresh fetches it again, unconditionally and at once.
                status.etag = status.last_modified = status.sha256 = status.checked = None

    def _settle_files(self) -> set[str]:
        """Move this entry's files out of .storage, then list the copies present. Blocking.

        Versions up to 0.1.0 kept list copies and the compiled matcher under
        ``.storage/snoop_guard/``, which every backup includes.
        """
        legacy = Path(self.hass.config.path(".storage", DOMAIN))
        if legacy.is_dir():
            moves = [(legacy / "lists" / self._path(u).name, self._path(u)) for u in self.urls]
            moves.append((legacy / self.entry_id / CACHE_FILE, self._dir.parent / CACHE_FILE))
            for old, new in moves:
                if old.is_file():
                    new.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(old, new)
            shutil.rmtree(legacy / self.entry_id, ignore_errors=True)
            # Other entries may still have copies there until they start.
            for directory in (legacy / "lists", legacy):
                with contextlib.suppress(OSError):
                    directory.rmdir()
        try:
            return {path.name for path in self._dir.iterdir()}
        except OSError:
            return set()

    async def async_texts(self) -> dict[str, str]:
        """Return the last good copy of every list that has one (read in an executor)."""
        paths = {url: self._path(url) for url, st in self.status.items() if st.sha256}

        def _read() -> dict[str, str]:
            texts: dict[str, str] = {}
            for url, path in paths.items():
                try:
                    texts[url] = path.read_text(encoding="utf-8")
                except OSError as err:
                    LOGGER.warning("The saved copy of %s is unreadable: %s", url, err)
            return texts

        return await self.hass.async_add_executor_job(_read)

    def _due(self, status: ListStatus, now: datetime) -> bool:
        checked = dt_util.parse_datetime(status.checked) if status.checked else None
        return checked is None or now - checked >= REFRESH_EVERY

    async def async_refresh(self, *, force: bool = False) -> bool:
        """Fetch every list that is due; return True when any list's content changed."""
        session = async_get_clientsession(self.hass)
        now = dt_util.utcnow()
        changed = False
        for status in self.status.values():
            if not force and not self._due(status, now):
                continue
            status.checked = now.isoformat()
            try:
                text = await async_fetch(
                    session, status, max_bytes=MAX_LIST_BYTES, timeout=FETCH_TIMEOUT
                )
                if text is not None:
                    changed |= await self._async_accept(status, text)
                    status.fetched = now.isoformat()
            except SubscriptionError as err:
                self._failed(status, str(err), now)
            else:
                self._succeeded(status)
        await self._store.async_save({"lists": {u: asdict(s) for u, s in self.status.items()}})
        return changed

    async def _async_accept(self, status: ListStatus, text: str) -> bool:
        """Check and save a downloaded list; return True when its content changed."""
        if (reason := await self.hass.async_add_executor_job(self.validate, text)) is not None:
            raise SubscriptionError(reason)
        digest = hashlib.sha256(text.encode()).hexdigest()
        if digest == status.sha256:
            return False
        try:
            await self.hass.async_add_executor_job(_write_atomic, self._path(status.url), text)
        except OSError as err:
            raise SubscriptionError(f"copy not saved: {err.strerror or err}") from err
        status.sha256 = digest
        return True

    def _issue_id(self, url: str) -> str:
        return f"list_failing_{hashlib.sha256(f'{self.entry_id}{url}'.encode()).hexdigest()[:12]}"

    def _failed(self, status: ListStatus, error: str, now: datetime) -> None:
        LOGGER.info("Tracker list %s not updated: %s", status.url, error)
        status.last_error = error
        status.failing_since = status.failing_since or now.isoformat()
        since = dt_util.parse_datetime(status.failing_since)
        if since is not None and now - since >= PERSISTENT_FAILURE:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self._issue_id(status.url),
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="list_failing",
                translation_placeholders={
                    "url": status.url,
                    "error": error,
                    "since": since.date().isoformat(),
                    "offline": "yes" if status.sha256 else "no",
                },
            )

    def _succeeded(self, status: ListStatus) -> None:
        status.last_error = None
        status.failing_since = None
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(status.url))

    async def async_remove(self) -> None:
        """Forget the lists of this entry (the entry was removed)."""
        paths = [self._path(url) for url in self.status]
        await self.hass.async_add_executor_job(_unlink_all, paths, self._dir)
        await self._store.async_remove()
        for url in self.status:
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(url))


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _unlink_all(paths: list[Path], directory: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        directory.rmdir()
