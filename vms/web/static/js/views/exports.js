// Exports: the user's export jobs (all jobs for admin) with progress and download links.
import { getJson, getPage } from "../api.js";
import "../i18n/security.js";
import { h, table } from "../dom.js";
import { t } from "../i18n.js";
import { formatDateTime, formatBytes } from "../time.js";
import { openExportDialog, downloadHref } from "../exportdialog.js";

const REFRESH_MS = 2000;

function signatures() {
  const box = (title) => h("div.signature", {}, h("strong", {}, title), h("em", {}, t("signHint")));
  return h("div.signatures.print-only", {}, box(t("handedBy")), box(t("receivedBy")));
}

/** The printable handover form: what the receiver (prosecutor, court) checks the package against. */
async function showHandover(holder, job, siteName) {
  const form = await getJson(`/api/exports/${job.id}/handover`);
  const line = (label, value) => h("p", {}, h("strong", {}, `${label}: `), h("code", {}, value ?? "—"));
  holder.replaceChildren(h("article.report.card.handover", {},
    h("header.report-head", {},
      h("div.letterhead", {}, h("div", {}, h("span.site", {}, form.site || siteName)),
        h("div", {}, h("span.nation", {}, t("nation")), h("u", {}, t("motto")))),
      h("h2", {}, t("handoverTitle"))),
    line(t("caseNumber"), form.case_number), line(t("reason"), form.reason),
    line(t("cameras"), form.camera_ids.join(", ")),
    line(t("range"), `${formatDateTime(form.requested.start.utc)} → ${formatDateTime(form.requested.end.utc)}`),
    line(t("createdBy"), form.exporter), line(t("exportSequence"), String(form.sequence ?? "—")),
    line(t("manifestHash"), form.manifest_sha256), line(t("previousManifest"), form.previous_manifest_sha256),
    h("p.fingerprint", {}, h("strong", {}, `${t("keyFingerprint")}: `), h("code.big", {}, form.key_fingerprint)),
    h("p.hint", {}, t("keyFingerprintHint")),
    h("p.printed", {}, `${t("printedAt")}: ${formatDateTime(new Date())}`),
    h("div.no-print", {}, h("button.primary.big", { type: "button", onclick: () => window.print() }, t("print"))),
    signatures()));
}

function row(job, holder, siteName) {
  const progress = h("progress", { max: 1, value: job.progress ?? 0 });
  const download = job.status === "done"
    ? [h("a.button.primary", { href: downloadHref(job), download: "" }, t("download")), " ",
      h("button.ghost.handover-button", { type: "button", onclick: () => showHandover(holder, job, siteName) }, t("handover"))]
    : job.error || "";
  return h("tr", { dataset: { export: job.id } }, [
    h("td", {}, job.case_number), h("td", {}, job.camera_ids.join(", ")),
    h("td", {}, `${formatDateTime(job.start)} → ${formatDateTime(job.end)}`),
    h("td", {}, job.created_by), h("td", {}, formatDateTime(job.created_at)),
    h("td", {}, h(`span.status.status-${job.status}`, {}, t(`export_${job.status}`)), " ", progress),
    h("td", {}, job.bytes ? formatBytes(job.bytes) : ""), h("td", {}, download)]);
}

async function render(root, ctx) {
  const list = h("div.table-wrap.no-print");
  const holder = h("div.handover-holder");
  const refreshList = async () => {
    const { items } = await getPage("/api/exports");
    list.replaceChildren(items.length ? table([t("caseNumber"), t("cameras"), t("range"), t("createdBy"),
      t("createdAt"), t("status"), t("size"), ""], items.map((job) => row(job, holder, ctx.siteName)))
      : h("p.hint", {}, "—"));
    return items.some((job) => job.status === "queued" || job.status === "running");
  };
  const key = await getJson("/api/evidence/key");
  root.append(h("div.toolbar.no-print", {}, h("h1", {}, t("nav_exports")),
    h("button.primary.big.new-export", { type: "button", onclick: async () => {
      await openExportDialog(); busy = await refreshList(); } }, t("newExport"))),
    h("p.fingerprint.no-print", { title: t("keyFingerprintHint") }, h("strong", {}, `${t("keyFingerprint")}: `),
      h("code.key-fingerprint", {}, key.fingerprint)), list, holder);
  // Poll only while a job is still working, so the table does not move under the user's pointer.
  let busy = await refreshList();
  const timer = setInterval(async () => { if (busy) busy = await refreshList().catch(() => false); }, REFRESH_MS);
  return () => clearInterval(timer);
}

export default { menu: true, capability: "exports", render };
