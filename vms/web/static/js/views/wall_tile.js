// One tile of the camera wall: live video of one camera (or an empty slot), its name and the
// site-time capture clock of the frame on screen, and a state an operator reads at a glance:
// playing, connecting, offline (resumes by itself), no permission, empty.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { formatDateTime } from "../time.js";
import { LivePlayer } from "../live.js";

export const DRAG_TYPE = "application/x-vms-camera";

const STATE_TEXT = {
  connecting: "connecting", offline: "offline", denied: "noPermission", login: "noPermission",
  unsupported: "liveUnsupported", empty: "emptyTile",
};

export class WallTile {
  /**
   * @param {number} slot position on the wall
   * @param {{onOpen: (tile) => void, onDrop: (slot, data) => void, onClear: (slot) => void}} handlers
   */
  constructor(slot, handlers) {
    this.slot = slot;
    this.handlers = handlers;
    this.camera = null; // {id, name, ...} from /api/cameras, or {id, denied: true}
    this.player = null;
    this.stream = "sub";
    this.video = h("video", { muted: true, playsInline: true, autoplay: true, disablePictureInPicture: true });
    this.stateText = h("div.tile-state", { role: "status" });
    this.name = h("strong.name");
    this.where = h("span.tile-where");
    this.clock = h("time.tile-clock");
    this.badge = h("span.badge-box");
    this.streamTag = h("span.stream-tag");
    this.clear = h("button.tile-clear.ghost", { type: "button", title: t("removeFromTile"), "aria-label": t("removeFromTile"),
      onclick: (event) => { event.stopPropagation(); this.handlers.onClear(this.slot); } }, "✕");
    this.el = h("div.tile.live-tile", { tabindex: 0, dataset: { slot: String(slot), state: "empty" },
      onclick: () => this.open(), onkeydown: (event) => { if (event.key === "Enter") this.open(); } },
    h("div.frame", {}, this.video, this.stateText,
      h("div.tile-bar", {}, h("span.tile-title", {}, this.name, this.streamTag), this.clock, this.badge),
      this.where),
    this.clear);
    this.el.addEventListener("dragover", (event) => {
      if (event.dataTransfer.types.includes(DRAG_TYPE)) { event.preventDefault(); this.el.classList.add("drop-target"); }
    });
    this.el.addEventListener("dragleave", () => this.el.classList.remove("drop-target"));
    this.el.addEventListener("drop", (event) => {
      event.preventDefault();
      this.el.classList.remove("drop-target");
      const data = event.dataTransfer.getData(DRAG_TYPE);
      if (data) this.handlers.onDrop(this.slot, JSON.parse(data));
    });
    this.el.addEventListener("dragstart", (event) => {
      if (!this.camera || this.camera.denied) { event.preventDefault(); return; }
      event.dataTransfer.setData(DRAG_TYPE, JSON.stringify({ camera: this.camera.id, fromSlot: this.slot }));
    });
    this.setState("empty");
  }

  open() {
    if (this.camera && !this.camera.denied) this.handlers.onOpen(this);
  }

  /** Show `camera` here ({id, name, status...}; {id, denied: true}; or null for an empty tile). */
  assign(camera, stream = "sub") {
    const same = this.camera?.id === camera?.id && Boolean(this.camera?.denied) === Boolean(camera?.denied)
      && this.stream === stream;
    this.camera = camera;
    this.stream = stream;
    this.el.dataset.camera = camera?.id ?? "";
    this.el.draggable = Boolean(camera && !camera.denied);
    this.update(camera);
    if (same && this.player) return;
    this.stopPlayer();
    if (!camera) { this.setState("empty"); return; }
    if (camera.denied) { this.setState("denied"); return; }
    this.player = new LivePlayer(this.video, { cameraId: camera.id, stream,
      onState: (state, info) => this.onPlayerState(state, info) });
    this.player.start();
  }

  /** Refresh the name and the online badge from /api/cameras without touching the video. */
  update(camera) {
    if (camera && !camera.denied) this.camera = { ...this.camera, ...camera };
    const shown = this.camera && !this.camera.denied ? this.camera : null;
    this.name.textContent = shown ? shown.name : "";
    this.where.textContent = shown?.location ?? "";
    this.el.title = shown ? `${shown.name}${shown.location ? ` · ${shown.location}` : ""}` : "";
    this.badge.replaceChildren(shown ? badge(shown) : "");
    this.el.classList.toggle("is-offline", Boolean(shown && shown.enabled && !shown.status?.online));
  }

  onPlayerState(state, info) {
    this.setState(state);
    if (state === "playing") {
      const kind = info.kind === "main" ? t("mainStreamLabel") : t("subStreamLabel");
      this.streamTag.textContent = ` · ${kind}${info.transcoded ? ` · ${t("transcoded")}` : ""}`;
    }
  }

  setState(state) {
    this.el.dataset.state = state;
    const key = STATE_TEXT[state];
    this.stateText.textContent = key ? (state === "offline" ? `✕ ${t(key)}` : t(key)) : "";
    this.stateText.hidden = !key;
  }

  /** Called a few times a second: the capture time (site time) of the frame on screen. */
  tick() {
    const wall = this.player?.wallTime();
    if (wall) this.clock.textContent = formatDateTime(wall);
    else if (!this.camera) this.clock.textContent = "";
  }

  stopPlayer() {
    if (this.player) this.player.stop();
    this.player = null;
    this.streamTag.textContent = "";
    this.clock.textContent = "";
  }

  destroy() {
    this.stopPlayer();
    this.el.remove();
  }
}

export function badge(camera) {
  if (!camera.enabled) return h("span.badge.disabled", {}, t("disabled"));
  const online = camera.status?.online;
  return h(`span.badge.${online ? "online" : "offline"}`, {}, online ? `● ${t("online")}` : `✕ ${t("offline")}`);
}
