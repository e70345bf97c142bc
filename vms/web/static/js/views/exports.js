// Exports: the user's export jobs (all jobs for admin) with progress and download links.
import { getPage } from "../api.js";
import { h, table } from "../dom.js";
import { t } from "../i18n.js";
import { formatDateTime, formatBytes } from "../time.js";
import { openExportDialog, downloadHref } from "../exportdialog.js";

const REFRESH_MS = 2000;

function row(job) {
  const progress = h("progress", { max: 1, value: job.progress ?? 0 });
  const download = job.status === "done"
    ? h("a.button.primary", { href: downloadHref(job), download: "" }, t("download")) : job.error || "";
  return h("tr", { dataset: { export: job.id } }, [
    h("td", {}, job.case_number), h("td", {}, job.camera_ids.join(", ")),
    h("td", {}, `${formatDateTime(job.start)} → ${formatDateTime(job.end)}`),
    h("td", {}, job.created_by), h("td", {}, formatDateTime(job.created_at)),
    h("td", {}, h(`span.status.status-${job.status}`, {}, t(`export_${job.status}`)), " ", progress),
    h("td", {}, job.bytes ? formatBytes(job.bytes) : ""), h("td", {}, download)]);
}

async function render(root, ctx) {
  const list = h("div.table-wrap");
  const refreshList = async () => {
    const { items } = await getPage("/api/exports");
    list.replaceChildren(items.length ? table([t("caseNumber"), t("cameras"), t("range"), t("createdBy"),
      t("createdAt"), t("status"), t("size"), ""], items.map(row)) : h("p.hint", {}, "—"));
    return items.some((job) => job.status === "queued" || job.status === "running");
  };
  root.append(h("div.toolbar", {}, h("h1", {}, t("nav_exports")),
    h("button.primary.big.new-export", { type: "button", onclick: async () => {
      await openExportDialog(); busy = await refreshList(); } }, t("newExport"))), list);
  // Poll only while a job is still working, so the table does not move under the user's pointer.
  let busy = await refreshList();
  const timer = setInterval(async () => { if (busy) busy = await refreshList().catch(() => false); }, REFRESH_MS);
  return () => clearInterval(timer);
}

export default { menu: true, capability: "exports", render };
