// The node's health page (admin, installer, operator): per camera decode/analysis fps, frames dropped,
// model runs/s, analysis lag and detector queue; the shared detector's inference ms p50/p95; CPU and
// RSS per process. From GET /api/system/health, refreshed every few seconds while the page is shown.
// The view never touches the address bar; once its container is detached it stops by itself.
import { getJson } from "../api.js";
import { h, table } from "../dom.js";
import { t } from "../i18n.js";
import { formatClock } from "../time.js";
import "../i18n/health.js";

const REFRESH_MS = 3000;

/** A figure cell: "—" when the camera reports nothing, "measuring…" while a rate has no span yet. */
function figure(value, digits, measuring) {
  if (value === null || value === undefined) return h("span.muted", {}, measuring ? t("healthMeasuring") : "—");
  return Number(value).toFixed(digits);
}

function cell(key, content, warn = false) {
  return h(`td.num${warn ? ".warn" : ""}`, { dataset: { key } }, content);
}

function connection(camera) {
  const badge = (ok, label) => h(`span.badge.${ok ? "online" : "offline"}`, {}, label);
  // A camera that is only recorded has no analysis connection to be "down".
  return h("td", { dataset: { key: "connection" } }, badge(camera.online, t("healthRecording")), " ",
    camera.analysed ? badge(camera.analysis_online, t("healthAnalysing")) : "");
}

function cameraRow(camera, measuring) {
  if (!camera.reporting) {
    return h("tr", { dataset: { camera: camera.camera_id, reporting: "no" } },
      h("td", {}, camera.name, h("div.muted", {}, camera.camera_id)), connection(camera),
      h("td.muted", { colSpan: 8 }, camera.analysed ? t("healthNoFigures") : t("healthNotAnalysed")));
  }
  const dropping = (camera.dropped_per_s ?? 0) > 0;
  return h("tr", { dataset: { camera: camera.camera_id, reporting: "yes" } },
    h("td", {}, camera.name, h("div.muted", {}, camera.camera_id)), connection(camera),
    cell("decode_fps", figure(camera.decode_fps, 1)),
    cell("analysis_fps", figure(camera.analysis_fps, 1)),
    cell("frames_dropped", figure(camera.frames_dropped, 0), dropping),
    cell("dropped_per_s", figure(camera.dropped_per_s, 2, measuring), dropping),
    cell("model_runs_per_s", figure(camera.model_runs_per_s, 1, measuring)),
    cell("lag_s", figure(camera.lag_s, 2), (camera.lag_s ?? 0) > 2),
    cell("detector_queue", figure(camera.detector_queue, 0)),
    cell("detector_runs_per_s", figure(camera.detector_runs_per_s, 1, measuring)));
}

function detectorTable(detector, measuring) {
  const rows = [
    [t("healthState"), h(`span.badge.${detector.up ? "online" : "offline"}`, {}, detector.up ? t("healthUp") : t("healthDown")), "up"],
    [t("healthInferenceP50"), figure(detector.inference_ms_p50, 1), "inference_ms_p50"],
    [t("healthInferenceP95"), figure(detector.inference_ms_p95, 1), "inference_ms_p95"],
    [t("healthDetectorRuns"), figure(detector.runs_per_s, 1, measuring && detector.up), "runs_per_s"],
    [t("healthQueue"), figure(detector.queue_depth, 0), "queue_depth"],
    [t("healthTotalRuns"), figure(detector.runs, 0), "runs"],
  ];
  return h("dl.facts.health-detector", {}, rows.flatMap(([term, value, key]) => [h("dt", {}, term),
    h("dd", { dataset: { key } }, value)]));
}

function processName(name) {
  if (name === "web") return t("healthProcWeb");
  if (name === "detector") return t("healthProcDetector");
  return name.startsWith("camera:") ? t("healthProcCamera").replace("{ids}", name.slice(7).replaceAll(",", ", ")) : name;
}

function processTable(processes, measuring) {
  return table([t("healthProcess"), t("healthPid"), t("healthCpu"), t("healthRss")],
    processes.map((p) => h("tr", { dataset: { process: p.name } }, h("td", {}, processName(p.name)),
      cell("pid", p.pid ?? "—"), cell("cpu_pct", figure(p.cpu_pct, 1, measuring)), cell("rss_mb", figure(p.rss_mb, 1)))),
    { class: "health-processes" });
}

function cameraTable(cameras, measuring) {
  return table([t("healthCamera"), t("healthConnection"), t("healthDecodeFps"), t("healthAnalysisFps"),
    t("healthDropped"), t("healthDroppedRate"), t("healthModelRuns"), t("healthLag"), t("healthQueue"),
    t("healthDetectorRuns")], cameras.map((camera) => cameraRow(camera, measuring)), { class: "health-cameras" });
}

function fill(body, data) {
  const measuring = data.span_s === null;
  const stamp = `${t("healthUpdated")} ${formatClock(data.sampled_at)}`
    + (measuring ? "" : ` · ${t("healthSpan").replace("{s}", Number(data.span_s).toFixed(1))}`);
  body.dataset.span = measuring ? "" : String(data.span_s);
  body.replaceChildren(
    h("p.hint.health-stamp", {}, stamp),
    h("h2", {}, t("healthCameras")), h("div.table-wrap", {}, cameraTable(data.cameras, measuring)),
    h("div.health-node", {},
      h("section.card", {}, h("h2", {}, t("healthDetector")), detectorTable(data.detector, measuring)),
      h("section.card", {}, h("h2", {}, t("healthProcesses")), h("div.table-wrap", {}, processTable(data.processes, measuring)))));
}

async function render(root, ctx) {
  const body = h("div.health-body");
  const error = h("p.error", { role: "alert", hidden: true });
  root.append(h("div.toolbar", {}, h("h1", {}, t("healthTitle"))), h("p.hint", {}, t("healthIntro")), error, body);
  fill(body, await getJson("/api/system/health"));
  let stopped = false;
  let timer = null;
  const stop = () => { stopped = true; clearTimeout(timer); };
  async function refresh() {
    if (stopped || !root.isConnected) { stop(); return; } // the user went elsewhere: stop quietly
    try {
      const data = await getJson("/api/system/health");
      if (stopped || !root.isConnected) return;
      fill(body, data);
      error.hidden = true;
    } catch (failure) {
      if (stopped) return;
      error.textContent = `${t("error")}: ${failure.message}`;
      error.hidden = false;
    }
    if (!stopped) timer = setTimeout(refresh, REFRESH_MS);
  }
  timer = setTimeout(refresh, REFRESH_MS);
  return stop;
}

export default { menu: true, capability: "health", render };
