// <snoop-guard-card>: one watched device: trackers contacted, companies, scans, blocks.
import { h, navigate, sparkline } from "./dom.js";
import { CARD_TYPE, dependencies, deviceEntities, kindIcon, kindLabel, readDevice, watchedDevices } from "./model.js";
import { CARD_CSS } from "./styles.js";

const DAY_MS = 24 * 3600 * 1000;
const HISTORY_REFRESH_MS = 10 * 60 * 1000;
const TOP_COMPANIES = 4;
const LAST_TRACKERS = 4;

function sameList(a, b) {
  return a && b && a.length === b.length && a.every((item, i) => item === b[i]);
}

export class SnoopGuardCard extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._config = {};
    this._deps = null;
    this._pending = new Set();
    this._points = []; // tracker contacts over 24 h: [{t, v}]
    this._trackers = []; // recent trackers from history: [{domain, t}]
    this._companyOf = new Map(); // tracker domain -> company, as seen live
    this._historyFor = null;
    this._historyAt = 0;
    this._error = null;
  }

  static getConfigElement() {
    return document.createElement("snoop-guard-card-editor");
  }

  static getStubConfig(hass) {
    const [first] = watchedDevices(hass);
    return { device_id: first || "" };
  }

  setConfig(config) {
    if (!config || typeof config !== "object") throw new Error("Invalid configuration");
    if (config.device_id !== this._config.device_id) {
      this._points = [];
      this._trackers = [];
      this._historyFor = null;
    }
    this._config = { ...config };
    this._deps = null;
    if (this._hass) this._update();
  }

  set hass(hass) {
    this._hass = hass;
    this._update();
  }

  get hass() {
    return this._hass;
  }

  getCardSize() {
    return 7;
  }

  getGridOptions() {
    return { columns: 12, min_columns: 6, rows: "auto" };
  }

  _update(force = false) {
    const hass = this._hass;
    if (!hass) return;
    const id = this._config.device_id;
    // The registry scan runs again only when the registry (or the device) changes.
    if (this._idsKey?.[0] !== hass.entities || this._idsKey?.[1] !== id) {
      this._idsKey = [hass.entities, id];
      this._ids = id ? deviceEntities(hass, id) : {};
    }
    const ids = this._ids;
    const deps = [hass.entities, hass.locale, hass.themes, ...dependencies(hass, id, ids)];
    if (!force && sameList(deps, this._deps)) return;
    this._deps = deps;
    const info = id ? readDevice(hass, id, ids) : null;
    if (info) {
      this._track(info);
      this._loadHistory(info);
    }
    this._render(info);
  }

  // Live points between history fetches: the count and the last tracker as they change.
  _track(info) {
    if (info.contacts !== null) {
      const last = this._points[this._points.length - 1];
      if (!last || last.v !== info.contacts) this._points.push({ t: Date.now(), v: info.contacts });
    }
    const seen = info.lastTracker;
    if (seen?.company) this._companyOf.set(seen.domain, seen.company);
    if (seen) {
      const t = (seen.seen || new Date()).getTime();
      const newest = this._trackers[0];
      if (!newest || newest.domain !== seen.domain || newest.t < t - 1000) {
        this._trackers.unshift({ domain: seen.domain, t });
      }
    }
  }

  _loadHistory(info) {
    const hass = this._hass;
    const contacts = info.ids.tracker_contacts;
    if (!contacts || !hass.config?.components?.includes("history")) return;
    const now = Date.now();
    if (this._historyFor === contacts && now - this._historyAt < HISTORY_REFRESH_MS) return;
    this._historyFor = contacts;
    this._historyAt = now;
    const lastTracker = info.ids.last_tracker;
    hass
      .callWS({
        type: "history/history_during_period",
        start_time: new Date(now - DAY_MS).toISOString(),
        end_time: new Date(now).toISOString(),
        entity_ids: [contacts, lastTracker].filter(Boolean),
        minimal_response: true,
        no_attributes: true,
        significant_changes_only: false,
      })
      .then((result) => {
        if (this._historyFor !== contacts) return;
        const rows = (entityId) => (result?.[entityId] || []).filter((r) => r && r.lu);
        const points = rows(contacts)
          .map((r) => ({ t: r.lu * 1000, v: Number(r.s) }))
          .filter((p) => Number.isFinite(p.v));
        const live = this._points.filter((p) => p.t > (points[points.length - 1]?.t || 0));
        this._points = [...points, ...live];
        const trackers = rows(lastTracker)
          .filter((r) => r.s && r.s !== "unknown" && r.s !== "unavailable")
          .map((r) => ({ domain: r.s, t: r.lu * 1000 }))
          .reverse();
        const seen = new Set(trackers.map((r) => `${r.domain}@${Math.round(r.t / 1000)}`));
        const extra = this._trackers.filter((r) => !seen.has(`${r.domain}@${Math.round(r.t / 1000)}`));
        this._trackers = [...extra, ...trackers].sort((a, b) => b.t - a.t);
        this._update(true);
      })
      .catch((err) => {
        // No recorder data: the card still shows the live count and last tracker.
        console.warn("snoop-guard-card: no history", err);
      });
  }

  _time(date) {
    const hass = this._hass;
    const options = { hour: "numeric", minute: "2-digit" };
    if (Date.now() - date.getTime() > 20 * 3600 * 1000 || date.getTime() - Date.now() > 20 * 3600 * 1000) {
      options.weekday = "short";
    }
    const zone = hass.locale?.time_zone === "local" ? undefined : hass.config?.time_zone;
    try {
      return new Intl.DateTimeFormat(hass.locale?.language || undefined, { ...options, timeZone: zone }).format(date);
    } catch {
      return date.toLocaleTimeString();
    }
  }

  async _toggle(sw, label) {
    if (!sw || !sw.available || this._pending.has(sw.entityId)) return;
    this._pending.add(sw.entityId);
    this._error = null;
    this._update(true);
    try {
      await this._hass.callService("switch", sw.on ? "turn_off" : "turn_on", { entity_id: sw.entityId });
    } catch (err) {
      this._error = `${label}: ${err?.message || err}`;
    } finally {
      this._pending.delete(sw.entityId);
      this._update(true);
    }
  }

  _render(info) {
    const root = this.shadowRoot;
    const focused = root.activeElement?.dataset?.focus;
    const card = h("ha-card", {}, info ? this._body(info) : this._placeholder());
    root.replaceChildren(h("style", {}, CARD_CSS), card);
    if (focused) root.querySelector(`[data-focus="${focused}"]`)?.focus();
  }

  _placeholder() {
    const id = this._config.device_id;
    const text = id ? "This device has no Snoop Guard entities (any more)." : "Pick a device in the card editor.";
    return h("div", { class: "muted", role: "status" }, "Snoop Guard: ", text);
  }

  _body(info) {
    const devicePath = `/config/devices/device/${encodeURIComponent(info.deviceId)}`;
    const follow = (ev) => {
      if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault();
      navigate(devicePath);
    };
    const sub = [kindLabel(info.kind), [info.vendor, info.model].filter(Boolean).join(" ")].filter(Boolean);
    return h(
      "div",
      { role: "group", "aria-label": `Snoop Guard: ${info.name}` },
      h(
        "div",
        { class: "head" },
        h("ha-icon", { icon: kindIcon(info.kind), "aria-hidden": "true" }),
        h(
          "div",
          { class: "titles" },
          h("a", { class: "name", href: devicePath, onclick: follow, "data-focus": "name" }, info.name),
          h("div", { class: "sub" }, sub.join(" · ")),
        ),
      ),
      this._contacts(info),
      this._companies(info),
      this._lastTrackers(info),
      this._scan(info),
      this._blocks(info),
      this._error ? h("div", { class: "warning", role: "alert" }, this._error) : null,
      h("div", { class: "foot" }, h("a", { href: devicePath, onclick: follow }, "Device page")),
    );
  }

  _contacts(info) {
    const now = Date.now();
    const dayAgo = now - DAY_MS;
    const points = this._points.filter((p) => p.t >= dayAgo);
    const before = this._points.filter((p) => p.t < dayAgo).pop();
    if (before) points.unshift({ t: dayAgo, v: before.v });
    // A device watched for less than a day: the chart spans what there is.
    const start = points.length ? Math.min(points[0].t, now - 1000) : dayAgo;
    const peak = points.length ? Math.max(...points.map((p) => p.v)) : 0;
    const since = start > dayAgo ? `since ${this._time(new Date(start))}` : "over the last 24 hours";
    const label = `Tracker contacts ${since}: peak ${peak}, now ${info.contacts ?? "unknown"}`;
    return h(
      "section",
      { "aria-label": "Tracker contacts" },
      h("h3", {}, "Tracker contacts, 24 h"),
      h(
        "div",
        { class: "count" },
        h("span", { class: "big" }, info.contacts === null ? "—" : String(info.contacts)),
        h("div", { class: "chart" }, points.length ? sparkline(points, start, now, label) : null),
      ),
    );
  }

  _companies(info) {
    const top = info.companies.slice(0, TOP_COMPANIES);
    const max = Math.max(1, ...top.map((c) => c.count));
    return h(
      "section",
      { "aria-label": "Top companies" },
      h("h3", {}, "Top companies"),
      top.length
        ? h(
            "ul",
            { class: "companies" },
            top.map((c) =>
              h(
                "li",
                {},
                h("span", { class: "label" }, c.name),
                h("span", { class: "value" }, String(c.count)),
                h("div", { class: "bar-wrap", "aria-hidden": "true" }, h("div", { class: "bar", style: `width:${Math.round((c.count / max) * 100)}%` })),
              ),
            ),
          )
        : h("div", { class: "muted" }, "No tracker contacts in the last 24 h."),
    );
  }

  _lastTrackers(info) {
    const rows = [];
    const seen = new Set();
    for (const r of this._trackers) {
      if (seen.has(r.domain)) continue;
      seen.add(r.domain);
      rows.push(r);
      if (rows.length >= LAST_TRACKERS) break;
    }
    return h(
      "section",
      { "aria-label": "Last trackers" },
      h("h3", {}, "Last trackers"),
      rows.length
        ? h(
            "ul",
            {},
            rows.map((r) =>
              h(
                "li",
                {},
                h("span", { class: "label" }, r.domain, this._companyOf.has(r.domain) ? ` (${this._companyOf.get(r.domain)})` : ""),
                h("time", { class: "value", datetime: new Date(r.t).toISOString() }, this._time(new Date(r.t))),
              ),
            ),
          )
        : h("div", { class: "muted" }, "None seen yet."),
    );
  }

  _scan(info) {
    const chips = [];
    const chip = (text, cls = "") => h("span", { class: `chip ${cls}`.trim() }, text);
    if (info.lan) {
      chips.push(chip(info.lan.active ? "LAN: scanning now" : "LAN: no scan", info.lan.active ? "active" : ""));
    }
    if (info.wifi) {
      chips.push(chip(info.wifi.active ? "Wi-Fi: scanning now" : "Wi-Fi: no scan", info.wifi.active ? "active" : ""));
    }
    if (info.lan?.hostsProbed) chips.push(chip(`${info.lan.hostsProbed} hosts probed`));
    if (info.lan?.lastScan) chips.push(chip(`Last scan ${this._time(info.lan.lastScan)}`));
    if (info.uploadNow && !info.lan?.uploadSuspected) chips.push(chip("Upload suspected", "alert"));
    if (info.lan?.uploadSuspected) {
      const where = info.lan.uploadDomain ? ` to ${info.lan.uploadDomain}` : "";
      chips.push(chip(`Upload suspected ${this._time(info.lan.uploadSuspected)}${where}`, "alert"));
    }
    return h(
      "section",
      { "aria-label": "Network scanning" },
      h("h3", {}, "Scanning"),
      chips.length ? h("div", { class: "scan" }, chips) : h("div", { class: "muted" }, "Not watched."),
    );
  }

  _blocks(info) {
    const row = (sw, label, key) => {
      if (!sw) return null;
      const pending = this._pending.has(sw.entityId);
      let detail = sw.on ? "Blocked" : "Allowed";
      if (!sw.available) detail = "Server unreachable";
      else if (sw.on && sw.until) detail = `Blocked until ${this._time(sw.until)}`;
      if (sw.on && sw.dnsLevel) detail += " at the DNS level";
      if (sw.available && sw.desired !== undefined && sw.desired !== sw.on) {
        if (sw.desired && sw.limits.length) {
          // Written, but the filter does not apply it (protection paused…).
          detail = `Not applied: ${sw.limits.map((l) => l.replaceAll("_", " ")).join(", ")}`;
        } else {
          detail += sw.desired ? " (turning on…)" : " (turning off…)";
        }
      }
      const labelId = `${key}-label`;
      return h(
        "div",
        { class: "toggle-row" },
        h("span", { class: "label", id: labelId }, label, h("span", { class: "detail" }, detail)),
        h("button", {
          class: "switch",
          type: "button",
          role: "switch",
          "aria-checked": sw.on ? "true" : "false",
          "aria-label": `${label} for ${info.name}`,
          "aria-describedby": labelId,
          "aria-busy": pending ? "true" : null,
          disabled: !sw.available,
          "data-focus": key,
          "data-entity": sw.entityId,
          onclick: () => this._toggle(sw, label),
        }),
      );
    };
    const rows = [
      row(info.blockTrackers, "Block trackers", "block-trackers"),
      row(info.blockInternet, "Block internet", "block-internet"),
    ].filter(Boolean);
    if (!rows.length) return null;
    return h("section", { "aria-label": "Blocks" }, h("h3", {}, "Blocks"), rows);
  }
}

if (!customElements.get(CARD_TYPE)) customElements.define(CARD_TYPE, SnoopGuardCard);
