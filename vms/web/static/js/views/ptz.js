// PTZ pad (admin, installer, operator, investigator): hold a direction to move, release to stop;
// arrow keys and +/− do the same. Presets from the camera. The still refreshes while the page is open.
import { getJson, sendJson } from "../api.js";
import { h, field, select } from "../dom.js";
import { t } from "../i18n.js";

const SPEED = 0.5;
const REPEAT_MS = 800; // re-send the move before the camera's own 1 s safety timeout stops it
const STILL_MS = 2000;
const PAD = [
  ["↖", -1, 1, 0, ["up", "left"]], ["▲", 0, 1, 0, ["up"]], ["↗", 1, 1, 0, ["up", "right"]],
  ["◀", -1, 0, 0, ["left"]], ["■", 0, 0, 0, ["stop"]], ["▶", 1, 0, 0, ["right"]],
  ["↙", -1, -1, 0, ["down", "left"]], ["▼", 0, -1, 0, ["down"]], ["↘", 1, -1, 0, ["down", "right"]],
];
const KEYS = { ArrowUp: [0, 1, 0], ArrowDown: [0, -1, 0], ArrowLeft: [-1, 0, 0], ArrowRight: [1, 0, 0],
  "+": [0, 0, 1], "=": [0, 0, 1], "-": [0, 0, -1] };

class Pad {
  constructor(message) { this.message = message; this.cameraId = null; this.timer = null; }

  url(action) { return `/api/onvif/cameras/${encodeURIComponent(this.cameraId)}/ptz/${action}`; }

  async send(method, action, body) {
    try {
      await sendJson(method, this.url(action), body);
      this.message.textContent = "";
    } catch (error) {
      this.message.textContent = error.message;
      this.halt(false);
    }
  }

  start(pan, tilt, zoom) {
    this.halt(false);
    const move = () => this.send("POST", "move", { pan: pan * SPEED, tilt: tilt * SPEED, zoom: zoom * SPEED, timeout_s: 1 });
    move();
    this.timer = setInterval(move, REPEAT_MS);
  }

  halt(sendStop = true) {
    if (this.timer) clearInterval(this.timer);
    const wasMoving = this.timer !== null;
    this.timer = null;
    if (sendStop && wasMoving) this.send("POST", "stop");
  }
}

function padButton(pad, [symbol, pan, tilt, zoom, labels]) {
  const label = labels.map(t).join(" ");
  const button = h("button.pad-button", { type: "button", "aria-label": label, title: label, dataset: { ptz: labels.join("-") } },
    symbol);
  if (labels[0] === "stop") { button.addEventListener("click", () => { pad.halt(false); pad.send("POST", "stop"); }); return button; }
  button.addEventListener("pointerdown", (e) => { button.setPointerCapture(e.pointerId); pad.start(pan, tilt, zoom); });
  for (const end of ["pointerup", "pointercancel"]) button.addEventListener(end, () => pad.halt());
  return button;
}

async function render(root, ctx) {
  const cameras = (await getJson("/api/cameras")).filter((c) => c.source_kind === "rtsp");
  const message = h("p.error", { role: "alert" }, cameras.length ? "" : t("noPtzCameras"));
  const pad = new Pad(message);
  const still = h("img.ptz-still", { alt: "" });
  const presets = h("div.presets");
  const chooser = select("camera", cameras.map((c) => [c.id, c.name]), ctx.params.get("camera") ?? cameras[0]?.id,
    { onchange: () => choose(chooser.value) });
  const refreshStill = () => { if (pad.cameraId) still.src = `/api/cameras/${encodeURIComponent(pad.cameraId)}/snapshot.jpg?t=${Date.now()}`; };
  async function choose(cameraId) {
    pad.halt();
    pad.cameraId = cameraId;
    refreshStill();
    presets.replaceChildren();
    if (!cameraId) return;
    try {
      const list = await getJson(`/api/onvif/cameras/${encodeURIComponent(cameraId)}/ptz/presets`);
      presets.replaceChildren(h("h2", {}, t("presets")), ...list.map((p) => h("button.ghost", { type: "button",
        onclick: () => pad.send("POST", `presets/${encodeURIComponent(p.token)}/goto`) }, p.name || p.token)));
    } catch (error) {
      message.textContent = error.message;
    }
  }
  const grid = h("div.pad", { tabindex: 0, "aria-label": t("nav_ptz") }, PAD.map((spec) => padButton(pad, spec)));
  const zoom = h("div.zoom", {}, padButton(pad, ["+", 0, 0, 1, ["zoomInPtz"]]), padButton(pad, ["−", 0, 0, -1, ["zoomOutPtz"]]));
  const held = new Set();
  const keydown = (e) => {
    if (!KEYS[e.key] || e.target.closest("input, select, textarea") || held.has(e.key)) return;
    e.preventDefault();
    held.add(e.key);
    pad.start(...KEYS[e.key]);
  };
  const keyup = (e) => { if (held.delete(e.key) && !held.size) pad.halt(); };
  window.addEventListener("keydown", keydown);
  window.addEventListener("keyup", keyup);
  root.append(h("div.toolbar", {}, h("h1", {}, t("nav_ptz")), field(t("camera"), chooser)),
    h("p.hint", {}, t("ptzHelp")), message,
    h("div.ptz-layout", {}, h("div.ptz-view", {}, still), h("div.card", {}, grid, zoom, presets)));
  if (chooser.value) await choose(chooser.value);
  const timer = setInterval(refreshStill, STILL_MS);
  return () => {
    clearInterval(timer);
    pad.halt();
    window.removeEventListener("keydown", keydown);
    window.removeEventListener("keyup", keyup);
  };
}

export default { menu: true, capability: "ptz", render };
