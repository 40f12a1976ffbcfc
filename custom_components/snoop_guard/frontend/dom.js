// Small DOM helpers. Everything that comes from a device (names, domains, vendors) is
// added as a text node or an attribute value, never parsed as markup.

const SVG_NS = "http://www.w3.org/2000/svg";

function appendChildren(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

function applyProps(el, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.setAttribute("class", value);
    } else if (key.startsWith(".")) {
      el[key.slice(1)] = value; // a property, for custom elements (ha-selector)
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
}

/** h("div", {class: "x", onclick: fn}, "text", child) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  applyProps(el, props);
  appendChildren(el, children);
  return el;
}

export function svg(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  applyProps(el, props);
  appendChildren(el, children);
  return el;
}

/** A tiny line chart of [{t: ms, v: number}] over [start, end]. */
export function sparkline(points, start, end, label) {
  const width = 240;
  const height = 40;
  const values = points.map((p) => p.v);
  const top = Math.max(1, ...values);
  const x = (t) => ((Math.min(Math.max(t, start), end) - start) / (end - start)) * width;
  const y = (v) => height - 2 - (v / top) * (height - 4);
  // A step line: the count holds until the next change.
  let line = "";
  points.forEach((p, i) => {
    const px = x(p.t).toFixed(1);
    const py = y(p.v).toFixed(1);
    if (i === 0) line += `M${px},${py}`;
    else line += `H${px}V${py}`;
  });
  if (points.length) line += `H${width}`;
  const area = points.length ? `${line}V${height}H${x(points[0].t).toFixed(1)}Z` : "";
  return svg(
    "svg",
    {
      class: "spark",
      viewBox: `0 0 ${width} ${height}`,
      preserveAspectRatio: "none",
      role: "img",
      "aria-label": label,
    },
    svg("title", {}, label),
    area ? svg("path", { class: "spark-area", d: area }) : null,
    line ? svg("path", { class: "spark-line", d: line }) : null,
  );
}

export function fireEvent(node, type, detail) {
  node.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

/** Navigate inside Home Assistant's single-page app (what its own links do). */
export function navigate(path) {
  history.pushState(null, "", path);
  window.dispatchEvent(new CustomEvent("location-changed", { detail: { replace: false } }));
}
