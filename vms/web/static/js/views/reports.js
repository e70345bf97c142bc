// Periodic report (admin, operator, investigator): cameras with uptime and events per type for a
// period, as a table, a CSV download and a printable A4 page with site name, period and signatures.
import { getJson, withQuery } from "../api.js";
import { h, field, select, table } from "../dom.js";
import "../i18n/security.js";
import "../i18n/alarms.js";
import { t, code, locale } from "../i18n.js";
import { toDateInput, fromDateInput, formatDateTime, formatDuration, formatBytes } from "../time.js";

const DAY = 86400_000;

/** [start, end) of a named period, in site time (midnights at +07:00). */
function periodRange(name, now = new Date()) {
  const [y, m] = toDateInput(now).split("-").map(Number);
  const month = (year, month0) => fromDateInput(new Date(Date.UTC(year, month0, 1)).toISOString().slice(0, 10));
  const today = fromDateInput(toDateInput(now));
  if (name === "lastMonth") return [month(y, m - 2), month(y, m - 1)];
  if (name === "thisQuarter") { const q = Math.floor((m - 1) / 3) * 3; return [month(y, q), month(y, q + 3)]; }
  if (name === "last7days") return [new Date(today - 6 * DAY), new Date(today.getTime() + DAY)];
  return [month(y, m - 1), month(y, m)]; // thisMonth
}

function percent(ratio) {
  return ratio === null || ratio === undefined ? "—"
    : (ratio * 100).toLocaleString(locale(), { maximumFractionDigits: 1 }) + " %";
}

function reportTable(report) {
  const types = [...new Set(report.cameras.flatMap((c) => Object.keys(c.events_by_type ?? {})))].sort();
  const headers = [t("camera"), t("location"), t("uptime"), t("offlineTime"), t("recorded"),
    ...types.map((type) => code("type", type)), t("total")];
  const rows = report.cameras.map((c) => {
    const counts = types.map((type) => String(c.events_by_type?.[type] ?? 0));
    const sum = Object.values(c.events_by_type ?? {}).reduce((a, b) => a + b, 0);
    return h(`tr${c.uptime_ratio < 0.9 ? ".low-uptime" : ""}`, {}, [c.name, c.location, percent(c.uptime_ratio),
      formatDuration(c.offline_seconds), formatBytes(c.recorded_bytes), ...counts, String(sum)]
      .map((cell) => h("td", {}, cell)));
  });
  const totals = report.totals?.events_by_type ?? {};
  const totalRow = h("tr.totals", {}, [t("total"), "", "", "", "", ...types.map((type) => String(totals[type] ?? 0)),
    String(Object.values(totals).reduce((a, b) => a + b, 0))].map((cell) => h("td", {}, cell)));
  const el = table(headers, [...rows, totalRow], { class: "report-table" });
  // Numbers line up on the right: every column after "location".
  el.querySelectorAll("tr").forEach((tr) => [...tr.children].slice(2).forEach((cell) => cell.classList.add("num")));
  return el;
}

/** Alarms by outcome per camera and rule: the false-alarm rate the commune review asks for. */
function alarmTable(report, names) {
  if (!report.alarms?.length) return "";
  const rows = report.alarms.map((a) => [names.get(a.camera_id) ?? a.camera_id ?? "—", code("type", a.type), a.rule,
    String(a.total), String(a.new + a.acknowledged), String(a.false_alarm), String(a.handled), percent(a.false_alarm_rate)]);
  const el = table([t("camera"), t("type"), t("rule"), t("alarmCount"), t("unhandled"), t("review_false_alarm"),
    t("review_handled"), t("falseAlarmRate")], rows, { class: "report-table alarm-outcomes" });
  el.querySelectorAll("tr").forEach((tr) => [...tr.children].slice(3).forEach((cell) => cell.classList.add("num")));
  return h("section", {}, h("h3", {}, t("alarmOutcomes")), el);
}

/** Events imported from handed-in footage: claims, never added to the site's own counts above. */
function importedTable(report) {
  const types = [...new Set(report.cameras.flatMap((c) => Object.keys(c.imported_by_type ?? {})))].sort();
  if (!types.length) return "";
  const rows = report.cameras.filter((c) => Object.keys(c.imported_by_type ?? {}).length)
    .map((c) => [c.name, ...types.map((type) => String(c.imported_by_type[type] ?? 0))]);
  return h("section.imported-report", {}, h("h3", {}, t("originImported")), h("p.hint", {}, t("importedHint")),
    table([t("camera"), ...types.map((type) => code("type", type))], rows, { class: "report-table imported" }));
}

function signatures() {
  const box = (title) => h("div.signature", {}, h("strong", {}, title), h("em", {}, t("signHint")));
  return h("div.signatures.print-only", {}, box(t("preparedBy")), box(t("approvedBy")));
}

async function render(root, ctx) {
  const p = ctx.params;
  const periodName = p.get("period") ?? "thisMonth";
  let [start, end] = periodRange(periodName);
  if (periodName === "custom" && p.get("start") && p.get("end")) [start, end] = [new Date(p.get("start")), new Date(p.get("end"))];
  const form = h("form.card.row.no-print", {},
    field(t("period"), select("period", ["thisMonth", "lastMonth", "thisQuarter", "last7days", "custom"]
      .map((name) => [name, t(name)]), periodName)),
    field(t("from"), h("input", { type: "date", name: "start", value: toDateInput(start) })),
    field(t("to"), h("input", { type: "date", name: "end", value: toDateInput(new Date(end - DAY)) })),
    h("button.primary.big", { type: "submit" }, t("show")));
  form.period.addEventListener("change", () => {
    if (form.period.value === "custom") return;
    const [s, e] = periodRange(form.period.value);
    form.start.value = toDateInput(s);
    form.end.value = toDateInput(new Date(e - DAY));
  });
  form.addEventListener("submit", (submit) => {
    submit.preventDefault();
    const query = new URLSearchParams({ period: form.period.value });
    if (form.period.value === "custom") {
      query.set("start", fromDateInput(form.start.value).toISOString());
      query.set("end", new Date(fromDateInput(form.end.value).getTime() + DAY).toISOString());
    }
    query.set("n", Date.now());
    ctx.navigate(`#/reports?${query}`);
  });
  const range = { start, end };
  const report = await getJson("/api/reports/summary", range);
  const online = report.totals?.online_now ?? "—";
  const key = await getJson("/api/evidence/key");
  root.append(
    h("div.toolbar.no-print", {}, h("h1", {}, t("reports")),
      h("a.button.ghost.csv", { href: withQuery("/api/reports/summary.csv", range), download: "" }, t("downloadCsv")),
      h("button.primary.big", { type: "button", onclick: () => window.print() }, t("print"))),
    form,
    h("article.report.card", {},
      h("header.report-head", {},
        h("div.letterhead", {}, h("div", {}, h("span.site", {}, ctx.siteName)),
          h("div", {}, h("span.nation", {}, t("nation")), h("u", {}, t("motto")))),
        h("h2", {}, t("reportTitle")),
        h("p", {}, `${t("period")}: ${formatDateTime(start).slice(0, 10)} – ${formatDateTime(new Date(end - 1)).slice(0, 10)}`),
        h("p", {}, `${t("camerasTotal")}: ${report.totals?.cameras ?? report.cameras.length} · ${t("onlineNow")}: ${online}`)),
      reportTable(report),
      alarmTable(report, new Map(report.cameras.map((c) => [c.camera_id, c.name]))),
      importedTable(report),
      h("p.fingerprint", {}, h("strong", {}, `${t("keyFingerprint")}: `), h("code.key-fingerprint", {}, key.fingerprint)),
      h("p.printed", {}, `${t("printedAt")}: ${formatDateTime(new Date())}`),
      signatures()));
}

export default { menu: true, capability: "reports", render };
