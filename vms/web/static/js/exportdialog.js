// The export dialog: cameras, range, case number and reason -> POST /api/exports, then progress
// polled every second until the zip is ready, and a download link.
import { getJson, sendJson } from "./api.js";
import { h, field } from "./dom.js";
import { t } from "./i18n.js";
import { toInput, fromInput } from "./time.js";

const POLL_MS = 1000;

export function downloadHref(job) {
  return job.download_url || `/api/exports/${job.id}/download`;
}

/** Open the dialog; `prefill` = {cameraIds, start: Date, end: Date}. Resolves when it is closed. */
export async function openExportDialog(prefill = {}) {
  const cameras = await getJson("/api/cameras");
  const chosen = new Set(prefill.cameraIds ?? []);
  const now = new Date();
  const form = h("form.export-form", { method: "dialog" },
    h("h2", {}, t("newExport")),
    h("fieldset.cameras", {}, h("legend", {}, t("cameras")),
      cameras.map((camera) => h("label.check", {},
        h("input", { type: "checkbox", name: "camera", value: camera.id, checked: chosen.has(camera.id) }), camera.name))),
    h("div.row", {},
      field(t("from"), h("input", { type: "datetime-local", step: 1, name: "start", required: true,
        value: toInput(prefill.start ?? new Date(now - 10 * 60_000)) })),
      field(t("to"), h("input", { type: "datetime-local", step: 1, name: "end", required: true,
        value: toInput(prefill.end ?? now) }))),
    field(t("caseNumber"), h("input", { name: "case_number", required: true, maxlength: 64, placeholder: "VV-2026-001" })),
    field(t("reason"), h("textarea", { name: "reason", required: true, rows: 2, maxlength: 500 })),
    h("p.error", { role: "alert" }),
    h("div.progress-box", { hidden: true },
      h("progress", { max: 1, value: 0 }), h("span.status-text", {}), h("a.button.primary.download", { hidden: true })),
    h("div.actions", {},
      h("button.ghost", { type: "button", value: "cancel", onclick: () => dialog.close() }, t("close")),
      h("button.primary", { type: "submit", value: "create" }, t("create"))));
  const dialog = h("dialog.export-dialog", { "aria-label": t("newExport") }, form);
  document.body.append(dialog);
  let timer = null;
  form.addEventListener("submit", async (submit) => {
    submit.preventDefault();
    const error = form.querySelector(".error");
    const cameraIds = [...form.querySelectorAll("input[name=camera]:checked")].map((box) => box.value);
    if (!cameraIds.length) { error.textContent = t("chooseCamera"); return; }
    error.textContent = "";
    try {
      const job = await sendJson("POST", "/api/exports", { camera_ids: cameraIds,
        start: fromInput(form.start.value).toISOString(), end: fromInput(form.end.value).toISOString(),
        case_number: form.case_number.value.trim(), reason: form.reason.value.trim() });
      form.querySelector("button[type=submit]").disabled = true;
      showProgress(form, job);
      timer = setInterval(() => poll(form, job.id).then((done) => done && clearInterval(timer)), POLL_MS);
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => { clearInterval(timer); dialog.remove(); resolve(); });
    dialog.showModal();
  });
}

async function poll(form, id) {
  try {
    const job = await getJson(`/api/exports/${id}`);
    showProgress(form, job);
    return job.status === "done" || job.status === "failed";
  } catch (error) {
    form.querySelector(".error").textContent = error.message;
    return true;
  }
}

function showProgress(form, job) {
  const box = form.querySelector(".progress-box");
  box.hidden = false;
  box.querySelector("progress").value = job.progress ?? 0;
  box.querySelector(".status-text").textContent =
    `${t(`export_${job.status}`)} ${Math.round((job.progress ?? 0) * 100)}%${job.error ? ` — ${job.error}` : ""}`;
  const link = box.querySelector("a.download");
  if (job.status === "done") {
    link.href = downloadHref(job);
    link.setAttribute("download", "");
    link.textContent = `${t("download")} (${job.case_number})`;
    link.hidden = false;
  }
}

