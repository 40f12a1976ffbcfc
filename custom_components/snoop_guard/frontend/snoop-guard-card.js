// Snoop Guard's frontend module, loaded on every page by the integration itself
// (custom_components/snoop_guard/card.py): the device card, its editor and the dashboard.
import "./card.js";
import "./editor.js";
import "./strategy.js";
import { CARD_TYPE } from "./model.js";

window.customCards = window.customCards || [];
if (!window.customCards.some((c) => c.type === CARD_TYPE)) {
  window.customCards.push({
    type: CARD_TYPE,
    name: "Snoop Guard device",
    description: "Tracker contacts, companies, scans and the block switches of one device.",
    preview: true,
    documentationURL: "https://github.com/snoop-guard/snoop-guard#dashboard-card",
  });
}

window.customStrategies = window.customStrategies || [];
if (!window.customStrategies.some((s) => s.type === "snoop-guard" && s.strategyType === "dashboard")) {
  window.customStrategies.push({
    type: "snoop-guard",
    strategyType: "dashboard",
    name: "Snoop Guard",
    description: "One card per watched TV, streamer and speaker: trackers, scans and blocks.",
  });
}
