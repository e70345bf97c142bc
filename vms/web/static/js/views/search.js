// Event search: filters (camera, time, type, object class, colour, direction, zone) kept in the URL so
// "back" returns to the same results; results as cards with snapshot thumbnails, newest first.
import { getJson, getPage } from "../api.js";
import { h, field, select } from "../dom.js";
import "../i18n/alarms.js";
import { t, code, currentLang, EVENT_TYPES, OBJECT_CLASSES, COLOURS, DIRECTIONS } from "../i18n.js";
import { toInput, fromInput, formatDateTime, formatDuration } from "../time.js";

const PAGE = 24;

const LEGENDS = { type: "types", object_class: "objectClass", review_state: "reviewState" };
const REVIEW_STATES = ["new", "acknowledged", "false_alarm", "handled"];

function chips(name, values, label, chosen) {
  return h("fieldset.chips", { dataset: { name } }, h("legend", {}, t(LEGENDS[name])),
    values.map((value) => h("label.chip", {},
      h("input", { type: "checkbox", name, value, checked: chosen.includes(value) }), label(value))));
}

/** "ô tô đỏ, xe máy xanh dương" / "red car, blue motorbike": Vietnamese puts the colour after the noun. */
export function objectSummary(event) {
  const objects = event.objects?.length ? event.objects : (event.object_classes ?? []).map((c) => ({ class_name: c }));
  const words = (o) => [code("class", o.class_name), code("colour", o.colour)];
  return objects.map((o) => (currentLang() === "vi" ? words(o) : words(o).reverse()).filter(Boolean).join(" "))
    .join(", ");
}

export function eventCard(event) {
  const thumb = event.has_snapshot
    ? h("img", { src: `/api/events/${event.id}/snapshot.jpg`, alt: code("type", event.type), loading: "lazy" })
    : h("div.no-thumb", {}, code("type", event.type));
  const duration = event.end ? formatDuration((Date.parse(event.end) - Date.parse(event.start)) / 1000) : t("ongoing");
  return h(`a.event-card.sev-${event.severity}`, { href: `#/events/${event.id}`, dataset: { event: event.id } },
    h("div.thumb", {}, thumb),
    h("div.card-body", {},
      h("strong.type", {}, code("type", event.type)),
      event.imported ? h("span.badge.imported", { title: t("importedHint") }, t("importedEvent")) : "",
      h("div", {}, event.camera_name ?? event.camera_id ?? ""),
      h("div.time", {}, `${formatDateTime(event.start)} · ${duration}`),
      h("div.objects", {}, objectSummary(event)),
      event.review_state ? h(`span.review-state.state-${event.review_state}`, {}, t(`review_${event.review_state}`)) : ""));
}

function filterForm(ctx, cameras) {
  const p = ctx.params;
  const now = new Date();
  const full = ctx.can("search");
  const form = h("form.filters.card", {},
    h("div.row", {},
      field(t("camera"), select("camera_id", [["", t("allCameras")], ...cameras.map((c) => [c.id, c.name])],
        p.get("camera_id") ?? "")),
      field(t("from"), h("input", { type: "datetime-local", step: 1, name: "start",
        value: p.get("start") ? toInput(new Date(p.get("start"))) : toInput(new Date(now - 24 * 3600_000)) })),
      field(t("to"), h("input", { type: "datetime-local", step: 1, name: "end",
        value: p.get("end") ? toInput(new Date(p.get("end"))) : "" })),
      full ? field(t("colour"), select("colour", [["", t("any")], ...COLOURS.map((c) => [c, code("colour", c)])],
        p.get("colour") ?? "")) : "",
      full ? field(t("direction"), select("direction", [["", t("any")], ...DIRECTIONS.map((d) => [d, code("direction", d)])],
        p.get("direction") ?? "")) : "",
      full ? field(t("zone"), h("input", { name: "zone", value: p.get("zone") ?? "", size: 10 })) : "",
      field(t("origin"), select("origin", [["", t("any")], ["site", t("originSite")], ["imported", t("originImported")]],
        p.get("origin") ?? ""))),
    full ? chips("type", EVENT_TYPES, (v) => code("type", v), p.getAll("type")) : "",
    full ? chips("object_class", OBJECT_CLASSES, (v) => code("class", v), p.getAll("object_class")) : "",
    full ? chips("review_state", REVIEW_STATES, (v) => t(`review_${v}`), p.getAll("review_state")) : "",
    h("div.actions", {},
      h("button.ghost", { type: "button", onclick: () => ctx.navigate(`#/search?n=${Date.now()}`) }, t("reset")),
      h("button.primary.big", { type: "submit" }, t("search"))));
  form.addEventListener("submit", (submit) => {
    submit.preventDefault();
    const query = new URLSearchParams();
    const data = new FormData(form);
    for (const [key, value] of data.entries()) {
      if (!value) continue;
      query.append(key, key === "start" || key === "end" ? fromInput(value).toISOString() : value);
    }
    query.set("n", Date.now()); // a new hash even when the filters are unchanged, so search re-runs
    ctx.navigate(`#/search?${query}`);
  });
  return form;
}

async function render(root, ctx) {
  const cameras = await getJson("/api/cameras");
  const results = h("div.event-grid", { "aria-live": "polite" });
  const more = h("button.ghost.big", { type: "button", hidden: true }, t("more"));
  const status = h("p.hint");
  root.append(h("div.toolbar", {}, h("h1", {}, t("nav_search"))), filterForm(ctx, cameras), status, results, more);
  const params = {};
  for (const key of ["camera_id", "start", "end", "colour", "direction", "zone", "type", "object_class", "origin", "review_state"]) {
    const values = ctx.params.getAll(key);
    if (values.length) params[key] = values.length > 1 ? values : values[0];
  }
  if (!params.start) params.start = new Date(Date.now() - 24 * 3600_000);
  let cursor = null;
  async function page() {
    more.disabled = true;
    const body = await getPage("/api/events", { ...params, limit: PAGE, cursor });
    results.append(...body.items.map(eventCard));
    cursor = body.next_cursor;
    more.hidden = !cursor;
    more.disabled = false;
    status.textContent = results.children.length ? "" : t("noResults");
  }
  more.addEventListener("click", () => page().catch((e) => { status.textContent = e.message; }));
  await page();
}

export default { menu: true, capability: "events", render };
