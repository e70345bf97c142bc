// Camera wall: live video in layouts of 1/4/9/16 tiles, click a tile to enlarge it (main stream)
// and back, drag cameras from the list into tiles (or tiles onto each other to swap), saved views
// per user, fullscreen, and a kiosk URL for a second monitor (`#/wall?view=ID&kiosk=1`).
// The arrangement not yet saved is kept in this browser per user.
import "../i18n/live.js"; // texts of the wall and live video
import { getJson } from "../api.js";
import { h } from "../dom.js";
import { t, code } from "../i18n.js";
import { formatClock } from "../time.js";
import { WallTile, DRAG_TYPE, badge } from "./wall_tile.js";
import { viewControls, LAYOUTS } from "./wall_views.js";

const REFRESH_MS = 5000;
const TICK_MS = 250;
const MAX_TILES = 16;
const RECENT_WINDOW_MS = 3600_000;
const RECENT_COUNT = 8;

const storageKey = (user) => `vms-wall:${user.username}`;

/** The latest events of the last hour (from /api/timeline: not audit-logged, fine to poll). */
async function recentEvents() {
  const now = Date.now();
  const body = await getJson("/api/timeline", { start: new Date(now - RECENT_WINDOW_MS), end: new Date(now) });
  return body.cameras.flatMap((camera) => camera.events.map((event) => ({ ...event, camera: camera.name })))
    .sort((a, b) => Date.parse(b.start) - Date.parse(a.start)).slice(0, RECENT_COUNT);
}

function recentStrip(events, seen) {
  return events.map((event) => h(`a.recent.sev-${event.severity}${seen.has(event.id) ? "" : ".fresh"}`,
    { href: `#/events/${event.id}`, dataset: { event: event.id } },
    h("strong", {}, code("type", event.type)), h("span", {}, event.camera), h("time", {}, formatClock(event.start))));
}

function defaultArrangement(all) {
  const cameras = all.filter((c) => c.enabled);
  const layout = LAYOUTS.find((n) => n >= cameras.length) ?? MAX_TILES;
  return { layout, cameras: cameras.slice(0, MAX_TILES).map((c) => c.id) };
}

function padded(ids) {
  return Array.from({ length: MAX_TILES }, (_, i) => ids[i] ?? null);
}

class Wall {
  constructor(ctx) {
    this.ctx = ctx;
    this.cameras = new Map();
    this.layout = 4;
    this.slots = padded([]);
    this.auto = true; // the arrangement is the automatic one (every camera) until the user changes it
    this.tiles = [];
    this.focus = null;
    this.grid = h("div.wall.live-wall");
    this.focusBox = h("div.wall-focus", { hidden: true });
    this.stage = h("div.wall-stage", {}, this.grid, this.focusBox);
    this.list = h("ul.camera-list", { "aria-label": t("cameraList") });
    this.summary = h("span.summary", { "aria-live": "polite" });
    this.layoutButtons = LAYOUTS.map((n) => h("button.ghost.layout-button", { type: "button", dataset: { layout: n },
      title: `${t("layout")} ${n}`, "aria-pressed": "false", onclick: () => this.setLayout(n) }, layoutIcon(n)));
    this.views = viewControls({ arrangement: () => this.arrangement(), apply: (view, opts) => this.apply(view, opts) });
    this.onKey = (event) => { if (event.key === "Escape" && this.focus) this.closeFocus(); };
    document.addEventListener("keydown", this.onKey);
    this.onResize = () => this.fit();
    window.addEventListener("resize", this.onResize);
    document.addEventListener("fullscreenchange", this.onResize);
  }

  /** Size the wall to the window: a control-room wall is seen whole, never scrolled. */
  fit() {
    const top = document.fullscreenElement === this.stage ? 0 : this.stage.getBoundingClientRect().top;
    const available = Math.max(240, window.innerHeight - Math.max(0, top) - 8);
    this.stage.style.setProperty("--avail-h", `${available}px`);
  }

  arrangement() {
    const cameras = this.slots.slice(0, this.layout);
    while (cameras.length && cameras.at(-1) === null) cameras.pop();
    return { layout: this.layout, cameras };
  }

  remember() {
    localStorage.setItem(storageKey(this.ctx.user), JSON.stringify({ ...this.arrangement(), view: this.views.selectedId(),
      auto: this.auto }));
    const params = new URLSearchParams(this.ctx.params);
    params.delete("layout"); // a start-up choice; from here on the layout is remembered with the arrangement
    const view = this.views.selectedId();
    if (view) params.set("view", view); else params.delete("view");
    const query = params.toString();
    // Only while the wall is still the page asked for: a slow start finishing after the user (or a
    // link) already went elsewhere must not rewrite that address back to the wall.
    if (!/^#\/wall(\?|$)/.test(location.hash)) return;
    history.replaceState(null, "", `#/wall${query ? `?${query}` : ""}`);
  }

  /** Show a saved view (or, with null, the browser's unsaved arrangement). */
  apply(view, { keepTiles = false } = {}) {
    if (view) this.auto = false;
    if (view && !keepTiles) {
      this.layout = view.layout;
      this.slots = padded(view.cameras);
    }
    this.views.select(view?.id ?? null);
    this.renderTiles();
    this.remember();
  }

  setLayout(n) {
    this.layout = n;
    this.auto = false;
    if (this.focus) this.closeFocus();
    this.renderTiles();
    this.remember();
  }

  /** What a slot shows: the camera, a "no permission" marker for an id the user cannot see, or null. */
  slotCamera(id) {
    if (!id) return null;
    return this.cameras.get(id) ?? { id, denied: true };
  }

  renderTiles() {
    this.grid.className = `wall live-wall layout-${this.layout}`;
    for (const button of this.layoutButtons) button.setAttribute("aria-pressed", String(Number(button.dataset.layout) === this.layout));
    while (this.tiles.length > this.layout) this.tiles.pop().destroy();
    while (this.tiles.length < this.layout) {
      const tile = new WallTile(this.tiles.length, { onOpen: (x) => this.openFocus(x), onDrop: (slot, data) => this.drop(slot, data),
        onClear: (slot) => { this.auto = false; this.slots[slot] = null; this.renderTiles(); this.remember(); } });
      this.tiles.push(tile);
      this.grid.append(tile.el);
    }
    const stream = this.layout === 1 ? "main" : "sub"; // one tile is an enlarged view
    if (!this.focus) this.tiles.forEach((tile, i) => tile.assign(this.slotCamera(this.slots[i]), stream));
  }

  drop(slot, { camera, fromSlot }) {
    this.auto = false;
    if (fromSlot !== undefined && fromSlot !== null) {
      [this.slots[slot], this.slots[fromSlot]] = [this.slots[fromSlot], this.slots[slot]];
    } else {
      const already = this.slots.indexOf(camera);
      if (already >= 0 && already < this.layout) this.slots[already] = this.slots[slot];
      this.slots[slot] = camera;
    }
    this.renderTiles();
    this.remember();
  }

  /** Put a camera into the first empty tile (keyboard and click alternative to dragging). */
  place(cameraId) {
    const free = this.slots.slice(0, this.layout).indexOf(null);
    if (free >= 0) this.drop(free, { camera: cameraId });
  }

  openFocus(tile) {
    const camera = tile.camera;
    this.tiles.forEach((x) => x.stopPlayer()); // the enlarged main stream gets the bandwidth and CPU
    this.focus = new WallTile(-1, { onOpen: () => this.closeFocus(), onDrop: () => {}, onClear: () => this.closeFocus() });
    this.focus.el.classList.add("focused");
    const back = h("button.ghost.back-to-wall", { type: "button", onclick: () => this.closeFocus() }, `← ${t("backToWall")}`);
    this.focusBox.replaceChildren(back, this.focus.el);
    this.focusBox.hidden = false;
    this.grid.hidden = true;
    this.focus.assign(camera, "main");
    back.focus();
  }

  closeFocus() {
    if (!this.focus) return;
    this.focus.destroy();
    this.focus = null;
    this.focusBox.hidden = true;
    this.focusBox.replaceChildren();
    this.grid.hidden = false;
    this.tiles.forEach((tile) => tile.assign(null)); // restart the wall's streams
    this.renderTiles();
  }

  /** The camera list, updated in place (a drag that started from it survives the refresh). */
  renderList() {
    this.items ??= new Map();
    for (const [id, item] of this.items) if (!this.cameras.has(id)) { item.remove(); this.items.delete(id); }
    for (const camera of this.cameras.values()) {
      let item = this.items.get(camera.id);
      if (!item) {
        item = h("li.camera-item", { draggable: true, tabindex: 0, dataset: { camera: camera.id },
          title: t("dragHint"), onclick: () => this.place(camera.id),
          onkeydown: (event) => { if (event.key === "Enter") this.place(camera.id); } },
        h("span.camera-name"), h("span.badge-box"));
        item.addEventListener("dragstart", (event) => event.dataTransfer.setData(DRAG_TYPE, JSON.stringify({ camera: camera.id })));
        this.items.set(camera.id, item);
      }
      item.querySelector(".camera-name").textContent = camera.name;
      item.querySelector(".badge-box").replaceChildren(badge(camera));
      if (!item.isConnected) this.list.append(item); // never moved: a drag from it must survive
    }
  }

  async refresh() {
    const cameras = await getJson("/api/cameras");
    this.cameras = new Map(cameras.map((c) => [c.id, c]));
    const online = cameras.filter((c) => c.enabled && c.status?.online).length;
    this.summary.textContent = `${online}/${cameras.length} ${t("online").toLowerCase()}`;
    this.renderList();
    if (this.auto && this.tiles.length) this.followCameras();
    const all = this.focus ? [...this.tiles, this.focus] : this.tiles;
    for (const tile of all) {
      if (!tile.camera) continue;
      const now = this.slotCamera(tile.camera.id);
      if (now.denied !== Boolean(tile.camera.denied)) { if (!this.focus) this.renderTiles(); } else tile.update(now);
    }
  }

  /** The automatic arrangement follows cameras being added, enabled or disabled. */
  followCameras() {
    const next = defaultArrangement([...this.cameras.values()]);
    if (next.layout === this.layout && next.cameras.every((id, i) => this.slots[i] === id)) return;
    this.layout = next.layout;
    this.slots = padded(next.cameras);
    if (!this.focus) this.renderTiles();
    this.remember();
  }

  tick() {
    for (const tile of this.tiles) tile.tick();
    this.focus?.tick();
  }

  /** The starting arrangement: ?view=ID, else this browser's last one, else every camera. */
  async start() {
    const [, views] = await Promise.all([this.refresh(), this.views.load(null).catch(() => [])]);
    const wanted = Number(this.ctx.params.get("view")) || null;
    const stored = JSON.parse(localStorage.getItem(storageKey(this.ctx.user)) || "null");
    const view = views.find((v) => v.id === (wanted ?? stored?.view));
    if (view) { this.apply(view); return; }
    // Until the user arranges the wall, it shows every camera (a camera added later appears too).
    this.auto = !stored || stored.auto === true;
    const base = this.auto ? defaultArrangement([...this.cameras.values()]) : stored;
    const layout = Number(this.ctx.params.get("layout"));
    if (LAYOUTS.includes(layout)) this.auto = false;
    this.layout = LAYOUTS.includes(layout) ? layout : base.layout;
    this.slots = padded(base.cameras);
    this.apply(null, { keepTiles: true });
  }

  destroy() {
    document.removeEventListener("keydown", this.onKey);
    window.removeEventListener("resize", this.onResize);
    document.removeEventListener("fullscreenchange", this.onResize);
    this.focus?.destroy();
    this.tiles.forEach((tile) => tile.destroy());
  }
}

/** A small grid icon for a layout button (n tiles). */
function layoutIcon(n) {
  const side = Math.sqrt(n);
  return h("span.layout-icon", { style: `--n:${side}`, "aria-hidden": "true" },
    Array.from({ length: n }, () => h("i")));
}

function fullscreenIcon() {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "16");
  svg.setAttribute("height", "16");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", "M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5");
  path.setAttribute("fill", "none");
  path.setAttribute("stroke", "currentColor");
  path.setAttribute("stroke-width", "2");
  svg.append(path);
  return svg;
}

function fullscreenButton(target) {
  const button = h("button.ghost.fullscreen-button", { type: "button", dataset: { action: "fullscreen" },
    onclick: () => (document.fullscreenElement ? document.exitFullscreen() : target.requestFullscreen()).catch(() => {}) },
  fullscreenIcon(), t("fullscreen"));
  return button;
}

async function render(root, ctx) {
  const wall = new Wall(ctx);
  const kiosk = ctx.params.get("kiosk") === "1";
  const recent = h("div.recent-strip", { "aria-label": t("recentEvents") });
  const showRecent = ctx.can("timeline") && !kiosk;
  root.append(
    h("div.toolbar.wall-toolbar", {}, h("h1", {}, t("nav_wall")),
      h("div.layout-buttons", { role: "group", "aria-label": t("layout") }, wall.layoutButtons),
      wall.views.el, fullscreenButton(wall.stage), wall.summary),
    showRecent ? h("section", {}, h("h2.recent-title", {}, t("recentEvents")), recent) : "",
    h("div.wall-body", {}, h("aside.wall-side", {}, h("h2", {}, t("cameraList")), wall.list,
      h("p.hint", {}, t("dragHint"))), wall.stage));
  if (kiosk) {
    document.body.classList.add("kiosk");
    wall.stage.append(h("div.kiosk-actions", {}, fullscreenButton(document.documentElement)));
  }
  let seen = null;
  async function refreshRecent() {
    const events = await recentEvents();
    recent.replaceChildren(...(events.length ? recentStrip(events, seen ?? new Set(events.map((e) => e.id)))
      : [h("span.hint", {}, t("noResults"))]));
    seen = new Set([...(seen ?? []), ...events.map((e) => e.id)]);
  }
  await wall.start();
  wall.fit();
  if (showRecent) await refreshRecent().catch(() => {});
  const timer = setInterval(() => {
    wall.refresh().catch(() => {});
    if (showRecent) refreshRecent().catch(() => {});
  }, REFRESH_MS);
  const ticker = setInterval(() => wall.tick(), TICK_MS);
  return () => {
    clearInterval(timer);
    clearInterval(ticker);
    wall.destroy();
    document.body.classList.remove("kiosk");
  };
}

export default { menu: true, capability: "wall", render };
