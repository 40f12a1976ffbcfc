// The card's styles: Home Assistant theme variables only, so dark and light themes work.
export const CARD_CSS = `
:host { display: block; }
ha-card { display: block; padding: 16px; color: var(--primary-text-color); }
.head { display: flex; align-items: center; gap: 12px; min-width: 0; }
.head ha-icon { --mdc-icon-size: 28px; color: var(--state-icon-color, var(--primary-color)); flex: none; }
.head .titles { min-width: 0; flex: 1; }
.name { font-size: 1.15em; font-weight: 500; color: inherit; text-decoration: none;
  overflow-wrap: anywhere; }
a.name:hover, a.name:focus-visible { text-decoration: underline; }
.sub { color: var(--secondary-text-color); font-size: 0.9em; overflow-wrap: anywhere; }
section { margin-top: 14px; }
h3 { margin: 0 0 6px; font-size: 0.8em; font-weight: 500; text-transform: uppercase;
  letter-spacing: 0.04em; color: var(--secondary-text-color); }
.count { display: flex; align-items: flex-end; gap: 12px; }
.count .big { font-size: 2em; font-weight: 400; line-height: 1; }
.count .unit { color: var(--secondary-text-color); font-size: 0.9em; }
.chart { flex: 1; min-width: 0; }
.spark { display: block; width: 100%; height: 40px; }
.spark-line { fill: none; stroke: var(--primary-color); stroke-width: 1.5;
  vector-effect: non-scaling-stroke; }
.spark-area { fill: var(--primary-color); opacity: 0.15; stroke: none; }
.muted { color: var(--secondary-text-color); font-size: 0.9em; }
ul { list-style: none; margin: 0; padding: 0; }
li { display: flex; align-items: baseline; gap: 8px; padding: 3px 0; min-width: 0; }
li .label { flex: 1; min-width: 0; overflow-wrap: anywhere; }
li .value { color: var(--secondary-text-color); font-variant-numeric: tabular-nums; flex: none; }
.bar { height: 4px; border-radius: 2px; background: var(--primary-color); opacity: 0.6;
  margin-top: 2px; }
.companies li { flex-wrap: wrap; }
.companies .bar-wrap { flex-basis: 100%; }
.scan { display: flex; flex-wrap: wrap; gap: 6px; }
.chip { border: 1px solid var(--divider-color); border-radius: 12px; padding: 2px 10px;
  font-size: 0.85em; }
.chip.alert { border-color: var(--error-color); color: var(--error-color); }
.chip.active { border-color: var(--warning-color); color: var(--warning-color); }
.toggle-row { display: flex; align-items: center; gap: 12px; padding: 6px 0; }
.toggle-row .label { flex: 1; min-width: 0; }
.toggle-row .detail { display: block; color: var(--secondary-text-color); font-size: 0.85em; }
button.switch { flex: none; position: relative; width: 44px; height: 24px; border-radius: 12px;
  border: none; padding: 0; cursor: pointer; background: var(--switch-unchecked-track-color,
  var(--disabled-text-color)); transition: background 0.15s; }
button.switch::after { content: ""; position: absolute; top: 3px; left: 3px; width: 18px;
  height: 18px; border-radius: 50%; background: var(--switch-unchecked-button-color,
  var(--card-background-color, #fff)); transition: transform 0.15s; }
button.switch[aria-checked="true"] { background: var(--switch-checked-track-color,
  var(--primary-color)); }
button.switch[aria-checked="true"]::after { transform: translateX(20px);
  background: var(--switch-checked-button-color, var(--card-background-color, #fff)); }
button.switch:focus-visible { outline: 2px solid var(--primary-color); outline-offset: 2px; }
button.switch:disabled { cursor: not-allowed; opacity: 0.5; }
button.switch[aria-busy="true"] { opacity: 0.7; }
.foot { margin-top: 12px; display: flex; justify-content: flex-end; }
.foot a { color: var(--primary-color); text-decoration: none; font-weight: 500; }
.foot a:hover, .foot a:focus-visible { text-decoration: underline; }
.warning { color: var(--error-color); }
`;
