// What the card knows about a device, read from Home Assistant's registries and states.
// Our entities are found through the entity registry (platform "snoop_guard"), so a TV
// whose device belongs to Cast or webOS works like one of ours.

export const PLATFORM = "snoop_guard";
export const CARD_TYPE = "snoop-guard-card";

// translation_key -> a fallback entity_id suffix (registry entries always carry the key).
const DEVICE_KEYS = {
  tracker_contacts: "_tracker_contacts_24_h",
  last_tracker: "_last_tracker",
  hosts_probed: "_hosts_probed_last_scan",
  block_trackers: "_block_trackers",
  block_internet: "_block_internet",
  lan_scanning: "_lan_scanning",
  wifi_scanning: "_wi_fi_scanning",
  upload_suspected: "_upload_suspected",
};

function keyOf(entry) {
  if (entry.translation_key && entry.translation_key in DEVICE_KEYS) return entry.translation_key;
  return Object.keys(DEVICE_KEYS).find((key) => entry.entity_id.endsWith(DEVICE_KEYS[key]));
}

/** {translation_key: entity_id} of our entities on this device. */
export function deviceEntities(hass, deviceId) {
  const found = {};
  for (const entry of Object.values(hass.entities || {})) {
    if (entry.platform !== PLATFORM || entry.device_id !== deviceId) continue;
    const key = keyOf(entry);
    if (key && !(key in found)) found[key] = entry.entity_id;
  }
  return found;
}

export function deviceName(hass, deviceId) {
  const device = hass.devices?.[deviceId];
  return (device && (device.name_by_user || device.name)) || "Unknown device";
}

const KIND_ORDER = ["tv", "streamer", "speaker"];

function kindRank(hass, deviceId) {
  const contacts = deviceEntities(hass, deviceId).tracker_contacts;
  const rank = KIND_ORDER.indexOf(hass.states[contacts]?.attributes?.kind);
  return rank < 0 ? KIND_ORDER.length : rank;
}

/** Every device that carries a per-device Snoop Guard entity: TVs first, then by name. */
export function watchedDevices(hass) {
  const ids = new Set();
  for (const entry of Object.values(hass.entities || {})) {
    if (entry.platform === PLATFORM && entry.device_id && keyOf(entry)) ids.add(entry.device_id);
  }
  return [...ids]
    .map((id) => ({ id, rank: kindRank(hass, id), name: deviceName(hass, id) }))
    .sort((a, b) => a.rank - b.rank || a.name.localeCompare(b.name))
    .map((d) => d.id);
}

const KIND_ICONS = {
  tv: "mdi:television",
  streamer: "mdi:cast-variant",
  speaker: "mdi:speaker",
};
const KIND_LABELS = { tv: "TV", streamer: "Streamer", speaker: "Speaker", other: "Device" };

export function kindIcon(kind) {
  return KIND_ICONS[kind] || "mdi:devices";
}

export function kindLabel(kind) {
  return KIND_LABELS[kind] || KIND_LABELS.other;
}

function number(value) {
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function date(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

function switchInfo(hass, entityId) {
  const state = entityId && hass.states[entityId];
  if (!state) return null;
  return {
    entityId,
    on: state.state === "on",
    available: state.state === "on" || state.state === "off",
    desired: state.attributes.desired,
    until: date(state.attributes.blocked_until),
    // "dns": the DNS filter refuses the names; a device with its own resolver escapes it.
    dnsLevel: state.attributes.enforced_by === "dns",
    limits: Array.isArray(state.attributes.not_enforced_because)
      ? state.attributes.not_enforced_because.map(String)
      : [],
  };
}

/** Everything the card shows, from the current states (no history). */
export function readDevice(hass, deviceId, ids = deviceEntities(hass, deviceId)) {
  const st = (key) => (ids[key] ? hass.states[ids[key]] : undefined);
  const contacts = st("tracker_contacts");
  const last = st("last_tracker");
  const lan = st("lan_scanning");
  const wifi = st("wifi_scanning");
  const upload = st("upload_suspected");
  const a = contacts?.attributes || {};
  const companies = Object.entries(a.companies || {})
    .map(([name, count]) => ({ name, count: number(count) || 0 }))
    .sort((x, y) => y.count - x.count || x.name.localeCompare(y.name));
  const lanAttrs = lan?.attributes || {};
  return {
    deviceId,
    ids,
    name: deviceName(hass, deviceId),
    kind: a.kind || "other",
    vendor: a.vendor || hass.devices?.[deviceId]?.manufacturer || null,
    model: a.model || hass.devices?.[deviceId]?.model || null,
    contacts: contacts ? number(contacts.state) : null,
    companies,
    lastTracker:
      last && last.state && !["unknown", "unavailable"].includes(last.state)
        ? { domain: last.state, company: last.attributes.company, seen: date(last.attributes.seen) }
        : null,
    lan: lan
      ? {
          active: lan.state === "on",
          hostsProbed: number(lanAttrs.hosts_probed),
          lastScan: date(lanAttrs.last_scan),
          uploadSuspected: date(lanAttrs.last_upload_suspected),
          uploadDomain: lanAttrs.last_upload_domain || null,
        }
      : null,
    wifi: wifi ? { active: wifi.state === "on" } : null,
    uploadNow: upload?.state === "on",
    blockTrackers: switchInfo(hass, ids.block_trackers),
    blockInternet: switchInfo(hass, ids.block_internet),
  };
}

/** The state objects a card depends on: re-render only when one of them changes. */
export function dependencies(hass, deviceId, ids) {
  return [hass.devices?.[deviceId], ...Object.values(ids).map((id) => hass.states[id])];
}
