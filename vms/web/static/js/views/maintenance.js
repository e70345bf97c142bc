// Maintenance tickets: report a fault (admin, installer, operator), follow it to the repair, record who
// fixed it, what it cost and who paid (admin, installer). Overdue tickets come first and stand out.
import { getJson, sendJson } from "../api.js";
import { h, field, select, table, toast } from "../dom.js";
import { t, code } from "../i18n.js";
import { PARTY_KINDS } from "../i18n/records.js";
import { formatDateTime } from "../time.js";


function modal(title, body, onSubmit) {
  const error = h("p.error", { role: "alert" });
  const form = h("form", { method: "dialog" }, h("h2", {}, title), ...body, error,
    h("div.actions", {}, h("button.ghost", { type: "button", onclick: () => dialog.close() }, t("cancel")),
      h("button.primary", { type: "submit" }, t("save"))));
  const dialog = h("dialog", {}, form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    let saved = null;
    form.addEventListener("submit", async (submit) => {
      submit.preventDefault();
      try {
        saved = await onSubmit(form);
        dialog.close();
      } catch (failure) {
        error.textContent = failure.message;
      }
    });
    dialog.addEventListener("close", () => { dialog.remove(); resolve(saved); });
    dialog.showModal();
  });
}

/** Report a fault; `cameraId` preselects the camera. Resolves the new ticket or null. */
export async function ticketDialog(cameraId = "") {
  const records = await getJson("/api/records/cameras");
  const camera = select("camera_id", records.map((r) => [r.camera_id, `${r.display_name} (${r.camera_id})`]), cameraId,
    { required: true });
  return modal(t("newTicket"), [field(t("camera"), camera),
    field(t("fault"), h("textarea", { name: "fault", required: true, maxlength: 2000, rows: 3, cols: 50 }))],
  (form) => sendJson("POST", "/api/maintenance/tickets", { camera_id: form.elements.camera_id.value,
    fault: form.elements.fault.value }));
}

function fixDialog(ticket) {
  return modal(`${t("markFixed")} · #${ticket.id}`, [
    h("div.row", {}, field(t("fixedBy"), h("input", { name: "fixed_by", required: true, maxlength: 120 })),
      field(t("cost"), h("input", { name: "cost_vnd", type: "number", min: 0, step: 1000 }))),
    h("div.row", {}, field(t("paidBy"), select("paid_by_kind", PARTY_KINDS.map((k) => [k, code("party", k)]), "commune")),
      field(t("paidByName"), h("input", { name: "paid_by_name", maxlength: 120 }))),
    field(t("workDone"), h("textarea", { name: "work_done", maxlength: 2000, rows: 3, cols: 50 })),
  ], (form) => {
    const v = (name) => form.elements[name].value.trim();
    return sendJson("PATCH", `/api/maintenance/tickets/${ticket.id}`, { status: "fixed", fixed_by: v("fixed_by"),
      work_done: v("work_done"), cost_vnd: v("cost_vnd") === "" ? null : Number(v("cost_vnd")),
      paid_by_kind: v("paid_by_kind"), paid_by_name: v("paid_by_name") });
  });
}

function cancelDialog(ticket) {
  return modal(`${t("cancelTicket")} · #${ticket.id}`,
    [field(t("reason"), h("textarea", { name: "work_done", required: true, maxlength: 2000, rows: 2, cols: 50 }))],
    (form) => sendJson("PATCH", `/api/maintenance/tickets/${ticket.id}`, { status: "cancelled",
      work_done: form.elements.work_done.value }));
}

function actions(ticket, ctx, refresh) {
  if (!ctx.can("records_edit") || !["open", "in_progress"].includes(ticket.status)) return "";
  const after = (promise) => promise.then((saved) => { if (saved) { toast(t("ticketSaved")); refresh(); } });
  const start = () => after(sendJson("PATCH", `/api/maintenance/tickets/${ticket.id}`, { status: "in_progress" })
    .catch((e) => { toast(e.message, "error"); return null; }));
  return h("span.actions", {},
    ticket.status === "open" ? h("button.ghost", { type: "button", onclick: start }, t("startWork")) : "",
    h("button.primary", { type: "button", onclick: () => after(fixDialog(ticket)) }, t("markFixed")),
    h("button.ghost", { type: "button", onclick: () => after(cancelDialog(ticket)) }, t("cancelTicket")));
}

function ticketRow(x, names, ctx, refresh) {
  const cells = [String(x.id), h("a", { href: `#/programme/${encodeURIComponent(x.camera_id)}` }, names[x.camera_id] ?? x.camera_id),
    code("ticket_source", x.source), x.fault, formatDateTime(x.opened_at),
    x.opened_by === "system" ? t("systemUser") : x.opened_by,
    h(x.overdue ? "strong.overdue" : "span", {}, `${formatDateTime(x.due_at)}${x.overdue ? ` · ${t("overdue")}` : ""}`),
    h(`span.badge.ticket-${x.status}`, {}, code("ticket_status", x.status)),
    x.recovered_at ? `${t("recoveredAt")} ${formatDateTime(x.recovered_at)}` : "",
    [x.fixed_by, x.fixed_at ? formatDateTime(x.fixed_at) : "", x.work_done].filter(Boolean).join(" · "),
    x.cost_vnd === null ? "" : x.cost_vnd.toLocaleString("vi-VN"), actions(x, ctx, refresh)];
  return h(`tr${x.overdue ? ".overdue" : ""}`, {}, cells.map((c) => h("td", {}, c)));
}

async function render(root, ctx) {
  const filter = ctx.params.get("filter") ?? "open_any";
  const query = filter === "overdue" ? { overdue: true } : filter === "all" ? {} : { status: "open_any" };
  const [tickets, counts, records] = await Promise.all([getJson("/api/maintenance/tickets", query),
    getJson("/api/maintenance/summary"), getJson("/api/records/cameras").catch(() => [])]);
  const names = Object.fromEntries(records.map((r) => [r.camera_id, r.display_name]));
  const refresh = () => ctx.navigate(`#/maintenance?filter=${filter}&n=${Date.now()}`);
  const tabs = [["open_any", `${t("openTicketsOnly")} (${counts.open})`], ["overdue", `${t("overdue")} (${counts.overdue})`],
    ["all", t("allTickets")]].map(([name, label]) => h("a.button.ghost", { href: `#/maintenance?filter=${name}`,
    "aria-current": name === filter ? "page" : undefined }, label));
  const sorted = [...tickets].sort((a, b) => Number(b.overdue) - Number(a.overdue));
  root.append(
    h("div.toolbar", {}, h("h1", {}, t("tickets")),
      h("button.primary.big", { type: "button", onclick: async () => { if (await ticketDialog()) refresh(); } }, t("newTicket"))),
    counts.overdue ? h("p.banner.warn", { role: "status" }, `${t("overdueTickets")}: ${counts.overdue}`) : "",
    h("div.row", {}, tabs),
    sorted.length ? h("div.table-wrap", {}, table(["#", t("camera"), t("ticketSource"), t("fault"), t("openedAt"),
      t("openedBy"), t("dueAt"), t("status"), "", t("fixedBy"), t("cost"), ""],
    sorted.map((x) => ticketRow(x, names, ctx, refresh)), { class: "tickets" })) : h("p.hint", {}, t("noTickets")));
}

export default { menu: true, capability: "maintenance", render };
