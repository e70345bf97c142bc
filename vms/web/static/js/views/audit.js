// Audit log (admin): who did what, when, from where; filters and a CSV export (itself audited).
import { getPage, withQuery } from "../api.js";
import { h, field, table } from "../dom.js";
import { t, code, auditActions } from "../i18n.js";
import { toInput, fromInput, formatDateTime } from "../time.js";

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;

function detailsText(details) {
  const show = (value) => (typeof value === "object" ? JSON.stringify(value)
    : ISO_TIME.test(String(value)) ? formatDateTime(value) : value);
  return Object.entries(details ?? {}).map(([key, value]) => `${key}=${show(value)}`).join(" ");
}

async function render(root, ctx) {
  const p = ctx.params;
  const form = h("form.filters.card.row", {},
    field(t("from"), h("input", { type: "datetime-local", step: 1, name: "start",
      value: p.get("start") ? toInput(new Date(p.get("start"))) : toInput(new Date(Date.now() - 7 * 86400_000)) })),
    field(t("to"), h("input", { type: "datetime-local", step: 1, name: "end",
      value: p.get("end") ? toInput(new Date(p.get("end"))) : "" })),
    field(t("username"), h("input", { name: "username", value: p.get("username") ?? "", size: 12 })),
    field(t("action"), h("input", { name: "action", value: p.get("action") ?? "", size: 14, list: "audit-actions" })),
    h("datalist#audit-actions", {}, auditActions().map((a) => h("option", { value: a }, code("action", a)))),
    h("button.primary.big", { type: "submit" }, t("search")));
  const filters = {
    start: fromInput(form.start.value), end: form.end.value ? fromInput(form.end.value) : undefined,
    username: p.get("username") ?? undefined, action: p.get("action") ?? undefined,
  };
  form.addEventListener("submit", (submit) => {
    submit.preventDefault();
    const query = new URLSearchParams({ start: fromInput(form.start.value).toISOString() });
    if (form.end.value) query.set("end", fromInput(form.end.value).toISOString());
    if (form.username.value) query.set("username", form.username.value);
    if (form.action.value) query.set("action", form.action.value);
    query.set("n", Date.now());
    ctx.navigate(`#/audit?${query}`);
  });
  const body = h("tbody");
  const list = table([t("time"), t("username"), t("action"), t("target"), t("clientIp"), t("details")], [], { class: "audit" });
  list.querySelector("tbody").replaceWith(body);
  const more = h("button.ghost.big", { type: "button", hidden: true }, t("more"));
  root.append(h("div.toolbar", {}, h("h1", {}, t("audit")),
    h("a.button.ghost", { href: withQuery("/api/audit.csv", filters), download: "" }, t("downloadCsv"))),
  form, h("div.table-wrap", {}, list), more);
  let cursor = null;
  async function page() {
    const result = await getPage("/api/audit", { ...filters, cursor, limit: 100 });
    body.append(...result.items.map((entry) => h("tr", { dataset: { action: entry.action } },
      [formatDateTime(entry.ts), entry.username, code("action", entry.action), entry.target, entry.client_ip,
        detailsText(entry.details)].map((cell) => h("td", {}, cell)))));
    cursor = result.next_cursor;
    more.hidden = !cursor;
  }
  more.addEventListener("click", () => page());
  await page();
}

export default { menu: true, capability: "audit", render };
