// The "Snoop Guard" dashboard: one card per watched device. Offered in Settings →
// Dashboards → Add dashboard; saved as {strategy: {type: "custom:snoop-guard"}}.
import { CARD_TYPE, watchedDevices } from "./model.js";

const TITLE = "Snoop Guard";

function deviceCards(hass) {
  const ids = watchedDevices(hass);
  if (!ids.length) {
    return [
      {
        type: "markdown",
        content:
          "No watched devices yet. Snoop Guard adds TVs, streamers and speakers as it " +
          "recognises them; reload this page once one appears.",
      },
    ];
  }
  return ids.map((id) => ({ type: `custom:${CARD_TYPE}`, device_id: id }));
}

export class SnoopGuardViewStrategy extends HTMLElement {
  static async generate(_config, hass) {
    return { cards: deviceCards(hass) };
  }
}

export class SnoopGuardDashboardStrategy extends HTMLElement {
  static async generate(_config, hass) {
    return {
      title: TITLE,
      views: [{ title: "Devices", path: "devices", icon: "mdi:shield-search", cards: deviceCards(hass) }],
    };
  }
}

if (!customElements.get("ll-strategy-view-snoop-guard")) {
  customElements.define("ll-strategy-view-snoop-guard", SnoopGuardViewStrategy);
}
if (!customElements.get("ll-strategy-dashboard-snoop-guard")) {
  customElements.define("ll-strategy-dashboard-snoop-guard", SnoopGuardDashboardStrategy);
}
