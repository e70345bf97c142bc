// Playback of any camera and range (at most 2 hours per request, the API's limit).
import { getJson } from "../api.js";
import { h, field, select } from "../dom.js";
import { t } from "../i18n.js";
import { toInput, fromInput } from "../time.js";
import { Player } from "../player.js";
import { openExportDialog } from "../exportdialog.js";

async function render(root, ctx) {
  const cameras = await getJson("/api/cameras");
  const p = ctx.params;
  const now = Date.now();
  const start = p.get("start") ? new Date(p.get("start")) : new Date(now - 2 * 60_000);
  const end = p.get("end") ? new Date(p.get("end")) : new Date(now);
  const player = new Player();
  const form = h("form.card.row", {},
    field(t("camera"), select("camera", cameras.map((c) => [c.id, c.name]), p.get("camera") ?? cameras[0]?.id)),
    field(t("from"), h("input", { type: "datetime-local", step: 1, name: "start", required: true, value: toInput(start) })),
    field(t("to"), h("input", { type: "datetime-local", step: 1, name: "end", required: true, value: toInput(end) })),
    h("button.primary.big", { type: "submit" }, `▶ ${t("play")}`),
    ctx.can("exports") ? h("button.ghost.big", { type: "button", onclick: () => openExportDialog({
      cameraIds: [form.camera.value], start: fromInput(form.start.value), end: fromInput(form.end.value) }) },
    t("exportEvent")) : "");
  const load = () => {
    const camera = cameras.find((c) => c.id === form.camera.value);
    return player.load(form.camera.value, fromInput(form.start.value), fromInput(form.end.value),
      { title: camera?.name ?? "" });
  };
  form.addEventListener("submit", (submit) => { submit.preventDefault(); load(); });
  root.append(h("div.toolbar", {}, h("h1", {}, t("nav_playback"))), form, player.el);
  if (p.get("camera") && cameras.length) load();
  return () => player.stop();
}

export default { menu: true, capability: "playback", render };
