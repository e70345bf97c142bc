// Import an analysis (investigator, admin): footage handed in on a USB stick or taken from a shop's
// recorder is analysed offline with `vms analyze FILE --json result.json`; this page adds the events
// of result.json to the index under a camera, so they are searched and reported like live ones.
import { getJson, sendJson } from "../api.js";
import { h, field, select, table, errorBox } from "../dom.js";
import { t, code } from "../i18n.js";
import { toInput, fromInput, formatDuration } from "../time.js";

/** Parse the chosen file; throws with a readable message when it is not a `vms analyze` result. */
async function readAnalysis(file) {
  let analysis;
  try {
    analysis = JSON.parse(await file.text());
  } catch {
    throw new Error(t("notJson"));
  }
  if (!analysis || typeof analysis !== "object" || !Array.isArray(analysis.events)) throw new Error(t("notAnalysis"));
  return analysis;
}

function countsByType(events) {
  const counts = {};
  for (const event of events) counts[event.type] = (counts[event.type] ?? 0) + 1;
  return Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
}

/** What the file holds, before anything is written: source file, detector, length, events per type. */
function preview(analysis) {
  const facts = h("dl.facts", {},
    h("dt", {}, t("sourceFile")), h("dd", {}, String(analysis.file ?? "")),
    h("dt", {}, t("detector")), h("dd", {}, String(analysis.detector ?? "")),
    h("dt", {}, t("duration")), h("dd", {}, formatDuration(analysis.duration_s)),
    h("dt", {}, t("events")), h("dd.event-count", {}, String(analysis.events.length)));
  const counts = countsByType(analysis.events);
  return h("div.import-preview", {}, facts,
    counts.length ? table([t("type"), t("total")], counts.map(([type, n]) => [code("type", type), String(n)])) : null);
}

async function render(root, ctx) {
  const cameras = await getJson("/api/cameras");
  const result = h("div.import-result", { role: "status" });
  const details = h("div");
  const startInput = h("input", { type: "datetime-local", name: "started_at", step: 1, required: true });
  const fileInput = h("input", { type: "file", name: "file", accept: ".json,application/json", required: true });
  const submit = h("button.primary.big", { type: "submit", disabled: true }, t("importEvents"));
  let analysis = null;

  fileInput.addEventListener("change", async () => {
    analysis = null;
    submit.disabled = true;
    result.replaceChildren();
    details.replaceChildren();
    const [file] = fileInput.files;
    if (!file) return;
    try {
      analysis = await readAnalysis(file);
    } catch (error) {
      details.append(errorBox(error));
      return;
    }
    // The analyst may have given the recorder's start time already; keep a time the user typed.
    if (analysis.started_at && !startInput.value) startInput.value = toInput(new Date(analysis.started_at));
    details.append(preview(analysis));
    submit.disabled = false;
  });

  const form = h("form.card.import-form", {
    onsubmit: async (submitEvent) => {
      submitEvent.preventDefault();
      if (!analysis) return;
      submit.disabled = true;
      result.replaceChildren(t("loading"));
      try {
        const cameraId = form.camera.value;
        const start = fromInput(startInput.value);
        const answer = await sendJson("POST", "/api/events/import", {
          camera_id: cameraId, started_at: start.toISOString(), analysis });
        const end = new Date(start.getTime() + 1000 * ((analysis.duration_s ?? 0) + 60));
        const query = new URLSearchParams({ camera_id: cameraId, start: start.toISOString(), end: end.toISOString() });
        result.replaceChildren(h("p.ok", {}, `${t("imported")}: ${answer.imported}`), " ",
          h("a.button.show-imported", { href: `#/search?${query}` }, t("showImported")));
      } catch (error) {
        result.replaceChildren(errorBox(error));
      } finally {
        submit.disabled = !analysis;
      }
    },
  },
  field(t("camera"), select("camera", cameras.map((c) => [c.id, `${c.name} (${c.id})`]),
    ctx.params.get("camera") ?? undefined, { required: true })),
  field(t("analysisFile"), fileInput),
  field(t("videoStart"), startInput),
  h("p.hint", {}, t("importHelp")),
  details,
  h("div.row", {}, submit));
  root.append(h("h1", {}, t("nav_import")), form, result);
}

export default { menu: true, capability: "exports", render };
