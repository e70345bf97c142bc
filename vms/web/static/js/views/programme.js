// The programme's camera records (hồ sơ camera): every camera, connected or not, with owner, funder,
// agreement, installation, place, coverage and status; counts by status; a record page with its history.
import { getJson, sendJson, sendFile } from "../api.js";
import { h, field, select, table, toast } from "../dom.js";
import { t, code } from "../i18n.js";
import { PARTY_KINDS, COVERAGE, PROGRAMME_STATUSES } from "../i18n/records.js";
import { formatDateTime } from "../time.js";
import { importDialog } from "./programme_import.js";
import { ticketDialog } from "./maintenance.js";

const ID_PATTERN = "[a-z0-9][a-z0-9_\\-]*"; // escaped "-": Chromium compiles pattern= with the v flag

const esc = encodeURIComponent;

function input(name, value, attrs = {}) {
  return h("input", { name, value: value ?? "", ...attrs });
}

function recordForm(record) {
  const r = record ?? {};
  const kinds = PARTY_KINDS.map((k) => [k, code("party", k)]);
  const coverage = h("div.checks", {}, COVERAGE.map((c) => h("label.check", {},
    h("input", { type: "checkbox", name: "coverage", value: c, checked: (r.coverage ?? []).includes(c) }),
    code("coverage", c))));
  return [
    h("fieldset", {}, h("legend", {}, t("recordOf")),
      h("div.row", {},
        field(t("id"), input("camera_id", r.camera_id, { required: true, pattern: ID_PATTERN, maxlength: 48,
          readOnly: Boolean(record), title: "a-z 0-9 - _" })),
        field(t("name"), input("name", r.connected ? r.display_name : r.name, { maxlength: 120,
          readOnly: Boolean(r.connected) })),
        field(t("programmeStatus"), select("status", PROGRAMME_STATUSES.map((s) => [s, code("programme_status", s)]),
          r.status ?? "active")),
        field(t("statusReason"), input("status_reason", r.status_reason, { maxlength: 500 })))),
    h("fieldset", {}, h("legend", {}, t("owner")),
      h("div.row", {}, field(t("ownerKind"), select("owner_kind", kinds, r.owner_kind ?? "household")),
        field(t("ownerName"), input("owner_name", r.owner_name, { maxlength: 120 })),
        field(t("ownerContact"), input("owner_contact", r.owner_contact, { maxlength: 120 })))),
    h("fieldset", {}, h("legend", {}, t("funder")),
      h("div.row", {}, field(t("funderKind"), select("funder_kind", kinds, r.funder_kind ?? "household")),
        field(t("funderName"), input("funder_name", r.funder_name, { maxlength: 120 })),
        field(t("funderContact"), input("funder_contact", r.funder_contact, { maxlength: 120 })))),
    h("fieldset", {}, h("legend", {}, `${t("agreement")} · ${t("installation")}`),
      h("div.row", {}, field(t("agreementDate"), input("agreement_date", r.agreement_date, { type: "date" })),
        field(t("agreementRef"), input("agreement_ref", r.agreement_ref, { maxlength: 64 })),
        field(t("installer"), input("installer", r.installer, { maxlength: 120 })),
        field(t("installedOn"), input("installed_on", r.installed_on, { type: "date" })),
        field(t("warrantyUntil"), input("warranty_until", r.warranty_until, { type: "date" })))),
    h("fieldset", {}, h("legend", {}, t("place")),
      h("div.row", {}, field(t("hamlet"), input("hamlet", r.hamlet, { maxlength: 80 })),
        field(t("address"), input("address", r.address, { maxlength: 200, size: 30 })),
        field(t("latitude"), input("latitude", r.latitude, { type: "number", step: "any", min: -90, max: 90 })),
        field(t("longitude"), input("longitude", r.longitude, { type: "number", step: "any", min: -180, max: 180 }))),
      field(t("coverageArea"), coverage),
      field(t("coverageNote"), input("coverage_note", r.coverage_note, { maxlength: 200, size: 50 }))),
  ];
}

function formBody(form, record) {
  const v = (name) => form.elements[name].value.trim();
  const number = (name) => (v(name) === "" ? null : Number(v(name)));
  const date = (name) => v(name) || null;
  return {
    name: v("name"), owner_kind: v("owner_kind"), owner_name: v("owner_name"), owner_contact: v("owner_contact"),
    funder_kind: v("funder_kind"), funder_name: v("funder_name"), funder_contact: v("funder_contact"),
    agreement_date: date("agreement_date"), agreement_ref: v("agreement_ref"), installer: v("installer"),
    installed_on: date("installed_on"), warranty_until: date("warranty_until"), hamlet: v("hamlet"),
    address: v("address"), latitude: number("latitude"), longitude: number("longitude"),
    map_x: record?.map_x ?? null, map_y: record?.map_y ?? null,
    coverage: [...form.querySelectorAll('input[name="coverage"]:checked')].map((box) => box.value),
    coverage_note: v("coverage_note"), status: v("status"), status_reason: v("status_reason"),
    status_since: record && record.status === v("status") ? record.status_since : null,
  };
}

/** The add/edit dialog; resolves the saved record, or null when cancelled. */
export function recordDialog(record) {
  const error = h("p.error", { role: "alert" });
  const form = h("form.record-form", { method: "dialog" },
    h("h2", {}, record ? `${t("editRecord")}: ${record.display_name}` : t("newRecord")), ...recordForm(record), error,
    h("div.actions", {}, h("button.ghost", { type: "button", onclick: () => dialog.close() }, t("cancel")),
      h("button.primary", { type: "submit" }, t("save"))));
  const dialog = h("dialog.wide", {}, form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    let saved = null;
    form.addEventListener("submit", async (submit) => {
      submit.preventDefault();
      const id = form.elements.camera_id.value.trim();
      try {
        saved = await sendJson("PUT", `/api/records/cameras/${esc(id)}`, formBody(form, record));
        dialog.close();
      } catch (failure) {
        error.textContent = failure.message;
      }
    });
    dialog.addEventListener("close", () => { dialog.remove(); resolve(saved); });
    dialog.showModal();
  });
}

function statusCounts(records) {
  const counts = Object.fromEntries(PROGRAMME_STATUSES.map((s) => [s, 0]));
  records.forEach((r) => { counts[r.status] += 1; });
  return h("p.status-counts", {}, `${t("cameras")}: ${records.length} · `,
    PROGRAMME_STATUSES.map((s) => h(`span.badge.prog-${s}`, {}, `${code("programme_status", s)} ${counts[s]}`)));
}

function recordRow(r, ctx, refresh) {
  const edit = async () => { if (await recordDialog(r)) { toast(t("saved")); refresh(); } };
  return [r.camera_id, h("a", { href: `#/programme/${esc(r.camera_id)}` }, r.display_name), r.hamlet,
    [code("party", r.owner_kind), r.owner_name].filter(Boolean).join(": "), code("party", r.funder_kind),
    h(`span.badge.prog-${r.status}`, {}, code("programme_status", r.status)),
    h(`span.badge.${r.live_status}`, {}, code("live_status", r.live_status)), String(r.open_tickets || ""),
    ctx.can("records_edit") ? h("button.ghost", { type: "button", onclick: edit }, t("edit")) : ""];
}

async function renderList(root, ctx) {
  const records = await getJson("/api/records/cameras");
  const hamlets = [...new Set(records.map((r) => r.hamlet).filter(Boolean))].sort((a, b) => a.localeCompare(b, "vi"));
  const hamletFilter = select("hamlet", [["", t("allHamlets")], ...hamlets.map((x) => [x, x])], ctx.params.get("hamlet") ?? "");
  const statusFilter = select("status", [["", t("any")], ...PROGRAMME_STATUSES.map((s) => [s, code("programme_status", s)])],
    ctx.params.get("status") ?? "");
  const list = h("div.table-wrap");
  const refresh = () => ctx.navigate(`#/programme?n=${Date.now()}`);
  const draw = () => {
    const shown = records.filter((r) => (!hamletFilter.value || r.hamlet === hamletFilter.value)
      && (!statusFilter.value || r.status === statusFilter.value));
    list.replaceChildren(statusCounts(shown), table([t("id"), t("name"), t("hamlet"), t("owner"), t("funder"),
      t("programmeStatus"), t("liveStatus"), t("openTickets"), ""], shown.map((r) => recordRow(r, ctx, refresh)),
    { class: "records-table" }));
  };
  hamletFilter.addEventListener("change", draw);
  statusFilter.addEventListener("change", draw);
  const editing = ctx.can("records_edit");
  root.append(
    h("div.toolbar", {}, h("h1", {}, t("nav_programme")),
      editing ? h("button.primary.big", { type: "button", onclick: async () => { if (await recordDialog(null)) refresh(); } },
        t("newRecord")) : "",
      editing ? h("button.ghost", { type: "button", onclick: async () => { if (await importDialog()) refresh(); } },
        t("importList")) : ""),
    h("p.hint", {}, t("programmeHelp")),
    h("div.row.card", {}, field(t("filterHamlet"), hamletFilter), field(t("filterStatus"), statusFilter)), list);
  draw();
}

function facts(r) {
  const day = (value) => value ?? "—";
  const rows = [
    [t("programmeStatus"), `${code("programme_status", r.status)}${r.status_since ? ` (${t("statusSince")} ${r.status_since})` : ""}${r.status_reason ? ` — ${r.status_reason}` : ""}`],
    [t("liveStatus"), code("live_status", r.live_status)],
    [t("owner"), [code("party", r.owner_kind), r.owner_name, r.owner_contact].filter(Boolean).join(" · ")],
    [t("funder"), [code("party", r.funder_kind), r.funder_name, r.funder_contact].filter(Boolean).join(" · ")],
    [t("agreement"), [day(r.agreement_date), r.agreement_ref].filter(Boolean).join(" · ")],
    [t("installation"), [r.installer, day(r.installed_on)].filter(Boolean).join(" · ")],
    [t("warrantyUntil"), day(r.warranty_until)],
    [t("place"), [r.hamlet, r.address, r.latitude !== null ? `${r.latitude}, ${r.longitude}` : ""].filter(Boolean).join(" · ")],
    [t("coverageArea"), [...(r.coverage ?? []).map((c) => code("coverage", c)), r.coverage_note].filter(Boolean).join(", ")],
  ];
  return h("dl.facts", {}, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v || "—")]));
}

function changeRows(changes) {
  return changes.flatMap((entry) => Object.entries(entry.details?.changes ?? {}).map(([name, [before, after]]) =>
    [formatDateTime(entry.ts), entry.username, code("action", entry.action), name, JSON.stringify(before ?? ""),
      JSON.stringify(after ?? "")]));
}

async function uploadScan(r, refresh) {
  const picker = h("input", { type: "file", accept: "application/pdf,image/jpeg,image/png" });
  picker.addEventListener("change", async () => {
    const file = picker.files[0];
    if (!file) return;
    try {
      await sendFile("PUT", `/api/records/scans/${esc(r.camera_id)}`, file, { name: file.name });
      toast(t("saved"));
      refresh();
    } catch (failure) {
      toast(failure.message, "error");
    }
  });
  picker.click();
}

async function renderRecord(root, ctx, cameraId) {
  const [r, history] = await Promise.all([getJson(`/api/records/cameras/${esc(cameraId)}`),
    getJson(`/api/records/cameras/${esc(cameraId)}/history`)]);
  const refresh = () => ctx.navigate(`#/programme/${esc(cameraId)}?n=${Date.now()}`);
  const editing = ctx.can("records_edit");
  const scan = r.has_agreement_scan
    ? h("a.button.ghost", { href: `/api/records/scans/${esc(cameraId)}`, target: "_blank" },
      `${t("viewScan")}: ${r.agreement_scan_name}`)
    : h("span.hint", {}, t("noScan"));
  const tickets = history.tickets.map((x) => [String(x.id), formatDateTime(x.opened_at), code("ticket_source", x.source),
    x.fault, code("ticket_status", x.status), x.fixed_by, x.cost_vnd === null ? "" : x.cost_vnd.toLocaleString("vi-VN")]);
  root.append(
    h("div.toolbar", {}, h("a.button.ghost", { href: "#/programme" }, `← ${t("back")}`),
      h("h1", {}, `${t("recordOf")}: ${r.display_name}`),
      editing ? h("button.primary", { type: "button", onclick: async () => { if (await recordDialog(r)) refresh(); } },
        t("edit")) : "",
      editing ? h("button.ghost", { type: "button", onclick: () => uploadScan(r, refresh) }, t("uploadScan")) : "",
      ctx.can("maintenance") ? h("button.ghost", { type: "button",
        onclick: async () => { if (await ticketDialog(cameraId)) refresh(); } }, t("newTicket")) : ""),
    h("section.card", {}, facts(r), h("p", {}, `${t("agreementScan")}: `, scan)),
    h("section.card", {}, h("h2", {}, t("tickets")), tickets.length
      ? table(["#", t("openedAt"), t("ticketSource"), t("fault"), t("status"), t("fixedBy"), t("cost")], tickets)
      : h("p.hint", {}, t("noTickets"))),
    h("section.card", {}, h("h2", {}, t("changes")),
      table([t("time"), t("username"), t("action"), t("field"), t("oldValue"), t("newValue")], changeRows(history.changes),
        { class: "audit" })));
}

async function render(root, ctx) {
  if (ctx.args[0]) return renderRecord(root, ctx, ctx.args[0]);
  return renderList(root, ctx);
}

export default { menu: true, capability: "records", render };
