// <snoop-guard-card-editor>: the visual editor. Pick one device that carries Snoop Guard
// entities (whoever owns the device: Cast, webOS or Snoop Guard itself).
import { fireEvent, h } from "./dom.js";
import { deviceName, watchedDevices } from "./model.js";

const EDITOR_CSS = `
:host { display: block; }
label { display: block; margin-bottom: 4px; color: var(--primary-text-color); }
select { width: 100%; padding: 8px; font: inherit; color: var(--primary-text-color);
  background: var(--card-background-color); border: 1px solid var(--divider-color);
  border-radius: 4px; }
.hint { color: var(--secondary-text-color); font-size: 0.9em; margin-top: 8px; }
`;

export class SnoopGuardCardEditor extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._config = {};
    this._selector = null;
    this._native = null;
  }

  setConfig(config) {
    this._config = { ...config };
    this._render();
  }

  set hass(hass) {
    this._hass = hass;
    this._render();
  }

  _changed(deviceId) {
    if (!deviceId || deviceId === this._config.device_id) return;
    this._config = { ...this._config, device_id: deviceId };
    fireEvent(this, "config-changed", { config: this._config });
  }

  _render() {
    if (!this._hass) return;
    if (customElements.get("ha-selector")) {
      this._renderSelector();
    } else {
      this._renderNative();
      customElements.whenDefined("ha-selector").then(() => this._render());
    }
  }

  _renderSelector() {
    if (!this._selector) {
      this._native = null;
      this._selector = h("ha-selector", {
        ".selector": { device: { integration: "snoop_guard" } },
        ".label": "Device",
        ".required": true,
      });
      this._selector.addEventListener("value-changed", (ev) => this._changed(ev.detail?.value));
      this.shadowRoot.replaceChildren(
        h("style", {}, EDITOR_CSS),
        this._selector,
        h("div", { class: "hint" }, "Devices with Snoop Guard entities."),
      );
    }
    this._selector.hass = this._hass;
    this._selector.value = this._config.device_id || "";
  }

  _renderNative() {
    const hass = this._hass;
    const options = watchedDevices(hass).map((id) =>
      h("option", { value: id, selected: id === this._config.device_id }, deviceName(hass, id)),
    );
    this._native = h(
      "select",
      { id: "device", "aria-label": "Device", onchange: (ev) => this._changed(ev.target.value) },
      this._config.device_id ? null : h("option", { value: "", selected: true }, "Pick a device"),
      options,
    );
    this.shadowRoot.replaceChildren(
      h("style", {}, EDITOR_CSS),
      h("label", { for: "device" }, "Device"),
      this._native,
    );
  }
}

if (!customElements.get("snoop-guard-card-editor")) {
  customElements.define("snoop-guard-card-editor", SnoopGuardCardEditor);
}
