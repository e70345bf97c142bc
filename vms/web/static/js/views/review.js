// The programme's periodic review (sơ kết quý / 6 tháng, tổng kết năm) in the official Vietnamese form:
// letterhead, title, sections by hamlet, by funding source, by period with running totals, upkeep,
// cameras to repair or retire, recipients and signature block. Printable; the same report as PDF and Excel.
import { getJson, withQuery } from "../api.js";
import { h, field, select, table } from "../dom.js";
import { t, code, locale } from "../i18n.js";
import "../i18n/records.js";
import { formatDateTime } from "../time.js";

const OFFSET = "+07:00";
const pad = (n) => String(n).padStart(2, "0");
const siteMidnight = (y, m) => new Date(`${y + Math.floor((m - 1) / 12)}-${pad(((m - 1) % 12) + 1)}-01T00:00:00${OFFSET}`);

/** [start, end) of the chosen period in site time. */
export function reviewPeriod(kind, year, part) {
  if (kind === "quarter") return [siteMidnight(year, 3 * part - 2), siteMidnight(year, 3 * part + 1)];
  if (kind === "half_year") return [siteMidnight(year, 6 * part - 5), siteMidnight(year, 6 * part + 1)];
  return [siteMidnight(year, 1), siteMidnight(year + 1, 1)];
}

const number = (value) => (value ?? 0).toLocaleString(locale());
const percent = (ratio) => (ratio === null || ratio === undefined ? "—"
  : `${(ratio * 100).toLocaleString(locale(), { maximumFractionDigits: 1 })} %`);
const day = (value) => formatDateTime(value).slice(0, 10);

function figuresHeaders(first, types) {
  return [first, t("cameras"), ...["planned", "active", "broken", "retired"].map((s) => code("programme_status", s)),
    t("connected"), t("uptime"), t("incidents"), ...types.map((x) => code("type", x)), t("casesSupported"),
    t("exports"), t("falseAlarmRate"), t("repairs"), t("cost")];
}

function figuresRow(name, f, types, cls = "") {
  const cells = [name, number(f.cameras), ...["planned", "active", "broken", "retired"].map((s) => number(f.cameras_by_status[s])),
    number(f.connected), percent(f.uptime_ratio), number(f.incidents), ...types.map((x) => number(f.incidents_by_type[x])),
    number(f.cases), number(f.exports), percent(f.false_alarm_rate), number(f.tickets_fixed), number(f.maintenance_cost_vnd)];
  return h(`tr${cls}`, {}, cells.map((c, i) => h(i ? "td.num" : "td", {}, c)));
}

function groupTable(groups, report, first, nameOf) {
  const types = report.incident_types;
  return table(figuresHeaders(first, types), [...groups.map((g) => figuresRow(nameOf(g.key), g, types)),
    figuresRow(t("total"), report.totals, types, ".totals")], { class: "report-table" });
}

function letterhead(report, docNo) {
  const today = new Date(report.generated_at);
  const dated = t("dated").replace("{place}", report.commune || "……")
    .replace("{d}", pad(Number(formatDateTime(today).slice(0, 2)))).replace("{m}", formatDateTime(today).slice(3, 5))
    .replace("{y}", formatDateTime(today).slice(6, 10));
  return h("header.report-head", {},
    h("div.letterhead", {},
      h("div", {}, h("span", {}, report.superior_unit.toUpperCase()), h("span.site", {}, report.site_name.toUpperCase()),
        h("span", {}, `${t("documentNo")}: ${docNo || "……"}/${report.document_code}`)),
      h("div", {}, h("span.nation", {}, t("nation")), h("u", {}, t("motto")), h("em", {}, dated))),
    h("h2", {}, t("reportWord")), h("h3", {}, t(`review_${report.kind}`)),
    h("p", {}, h("em", {}, `${t("reviewPeriod")}: ${day(report.start)} – ${day(new Date(new Date(report.end) - 1000))}`)));
}

function sections(report) {
  const types = report.incident_types;
  const periods = report.breakdown.map((p) => [`${day(p.start)} – ${day(new Date(new Date(p.end) - 1000))}`,
    percent(p.figures.uptime_ratio), number(p.figures.incidents), number(p.figures.cases),
    number(p.figures.maintenance_cost_vnd), number(p.cumulative_incidents), number(p.cumulative_cases),
    number(p.cumulative_cost_vnd)]);
  const upkeep = report.cameras.filter((c) => c.tickets_fixed || c.maintenance_cost_vnd)
    .map((c) => [c.name, c.hamlet, number(c.tickets_fixed), number(c.maintenance_cost_vnd)]);
  const candidates = report.cameras.filter((c) => c.suggestion).map((c) => [c.name, c.hamlet, percent(c.uptime_ratio),
    number(c.incidents), c.reasons.map((r) => code("reason", r)).join(", "), code("suggestion", c.suggestion)]);
  return [
    h("h4", {}, `I. ${t("sectionCameras")}`),
    table(figuresHeaders(t("group"), types), [figuresRow(t("total"), report.totals, types, ".totals")], { class: "report-table" }),
    report.totals.imported_events ? h("p.hint", {}, `${t("importedEventsNote")}: ${report.totals.imported_events}`) : "",
    h("h4", {}, `II. ${t("byHamlet")}`), groupTable(report.by_hamlet, report, t("hamlet"), (k) => k || t("noHamlet")),
    h("h4", {}, `III. ${t("byFunder")}`), groupTable(report.by_funder, report, t("funder"), (k) => code("party", k)),
    h("h4", {}, `IV. ${t("byPeriod")}`),
    table([t("reviewPeriod"), t("uptime"), t("incidents"), t("casesSupported"), t("cost"),
      `${t("cumulative")}: ${t("incidents")}`, `${t("cumulative")}: ${t("casesSupported")}`, `${t("cumulative")}: ${t("cost")}`],
    periods, { class: "report-table" }),
    h("h4", {}, `V. ${t("sectionUpkeep")}`),
    table([t("camera"), t("hamlet"), t("repairs"), t("cost")], [...upkeep,
      [t("total"), "", number(report.totals.tickets_fixed), number(report.totals.maintenance_cost_vnd)]], { class: "report-table" }),
    h("h4", {}, `VI. ${t("candidates")}`),
    candidates.length ? table([t("camera"), t("hamlet"), t("uptime"), t("incidents"), t("reasons"), t("suggestion")],
      candidates, { class: "report-table candidates" }) : h("p", {}, t("none")),
  ];
}

function signatureBlock(report, signer) {
  return h("div.review-signatures", {},
    h("div.recipients", {}, h("strong", {}, `${t("recipients")}:`), h("span", {}, t("recipient1")), h("span", {}, t("recipient2"))),
    h("div.signer", {}, h("strong", {}, report.signer_title.toUpperCase()), h("em", {}, t("signSeal")),
      h("span.signer-name", {}, signer || "")));
}

async function render(root, ctx) {
  const p = ctx.params;
  const now = new Date();
  const year = Number(p.get("year") ?? formatDateTime(now).slice(6, 10));
  const kind = p.get("kind") ?? "quarter";
  const part = Number(p.get("part") ?? Math.floor((Number(formatDateTime(now).slice(3, 5)) - 1) / 3) + 1);
  const [start, end] = reviewPeriod(kind, year, part);
  const form = h("form.card.row.no-print", {},
    field(t("reviewPeriod"), select("kind", [["quarter", t("quarter")], ["half_year", t("halfYear")], ["year", t("year")]], kind)),
    field(t("year"), h("input", { name: "year", type: "number", min: 2000, max: 2100, value: year })),
    field(`${t("quarter")} / ${t("halfYear")}`, h("input", { name: "part", type: "number", min: 1, max: 4, value: part })),
    field(t("documentNo"), h("input", { name: "doc", value: p.get("doc") ?? "", maxlength: 12, size: 6 })),
    field(t("signerName"), h("input", { name: "signer", value: p.get("signer") ?? "", maxlength: 80 })),
    h("button.primary.big", { type: "submit" }, t("show")));
  form.addEventListener("submit", (submit) => {
    submit.preventDefault();
    const query = new URLSearchParams({ kind: form.kind.value, year: form.year.value, part: form.part.value,
      doc: form.doc.value, signer: form.signer.value, n: Date.now() });
    ctx.navigate(`#/review?${query}`);
  });
  const range = { start: start.toISOString(), end: end.toISOString() };
  const report = await getJson("/api/reports/review", range);
  const lang = document.documentElement.lang === "en" ? "en" : "vi";
  root.append(
    h("div.toolbar.no-print", {}, h("h1", {}, t("nav_review")),
      h("a.button.ghost", { href: withQuery("/api/reports/review.pdf", { ...range, lang }), download: "" }, t("downloadPdf")),
      h("a.button.ghost", { href: withQuery("/api/reports/review.xlsx", { ...range, lang }), download: "" }, t("downloadXlsx")),
      h("button.primary.big", { type: "button", onclick: () => window.print() }, t("print"))),
    form,
    h("article.report.review.card", {}, letterhead(report, p.get("doc")), ...sections(report),
      signatureBlock(report, p.get("signer")),
      h("p.fingerprint", {}, `${t("keyFingerprint")}: `, h("code", {}, report.key_fingerprint)),
      h("p.hint.no-print", {}, t("keyFingerprintHint")),
      h("p.printed", {}, `${t("printedAt")}: ${formatDateTime(new Date())} · ${report.generated_by}`)));
}

export default { menu: true, capability: "reports", render };
