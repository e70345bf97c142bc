// Small DOM helpers: build elements without innerHTML (no injection from API strings).

/** h("button.primary", {onclick}, "text", child) -> element. Tag may carry .classes and #id. */
export function h(spec, attrs = {}, ...children) {
  const [tagAndId, ...classes] = spec.split(".");
  const [tag, id] = tagAndId.split("#");
  const el = document.createElement(tag || "div");
  if (id) el.id = id;
  if (classes.length) el.className = classes.join(" ");
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

export const $ = (selector, root = document) => root.querySelector(selector);

// The camera-id rule of vms/config.py for <input pattern>. Chromium compiles `pattern` with the
// regex `v` flag, where a bare "-" inside [...] is a syntax error (the check then never runs): escape it.
export const CAMERA_ID_PATTERN = "[a-z0-9][a-z0-9_\\-]{0,47}";

/** A labelled form field: <label><span>text</span>control</label>. */
export function field(label, control) {
  return h("label.field", {}, h("span", {}, label), control);
}

export function select(name, options, value, attrs = {}) {
  const el = h("select", { name, ...attrs });
  for (const [optionValue, text] of options) el.append(new Option(text, optionValue));
  if (value !== undefined) el.value = value;
  return el;
}

/** A table from column titles and rows of cells (nodes or strings). */
export function table(headers, rows, attrs = {}) {
  return h("table", attrs,
    h("thead", {}, h("tr", {}, headers.map((title) => h("th", {}, title)))),
    h("tbody", {}, rows.map((cells) => (cells instanceof Node ? cells : h("tr", {}, cells.map((c) => h("td", {}, c)))))));
}

/** A short message that disappears by itself (role=status, read by screen readers). */
export function toast(message, kind = "info") {
  const box = h(`div.toast.${kind}`, { role: kind === "error" ? "alert" : "status" }, message);
  document.body.append(box);
  setTimeout(() => box.remove(), 5000);
}

export function errorBox(error, text) {
  return h("p.error", { role: "alert" }, error?.status === 404 && text ? text : `${error?.message ?? error}`);
}
