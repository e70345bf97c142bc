// Camera wall: one tile per camera with its latest frame and a high-contrast online/offline badge.
import { getJson } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { formatDateTime } from "../time.js";

const REFRESH_MS = 5000;

function badge(camera) {
  if (!camera.enabled) return h("span.badge.disabled", {}, t("disabled"));
  const online = camera.status?.online;
  return h(`span.badge.${online ? "online" : "offline"}`, {},
    online ? `● ${t("online")}` : `✕ ${t("offline")}`);
}

function statusLine(camera) {
  const s = camera.status;
  if (!s) return "";
  const parts = [];
  if (s.online) parts.push(`${s.fps.toFixed(0)} fps`, s.width ? `${s.width}×${s.height}` : "");
  if (s.last_frame_at) parts.push(`${t("lastFrame")}: ${formatDateTime(s.last_frame_at)}`);
  if (!s.online && s.last_error) parts.push(s.last_error);
  return parts.filter(Boolean).join(" · ");
}

/** Swap the tile's image only once the new frame has loaded (no flicker at 2 a.m.). */
function refreshImage(img, cameraId) {
  const next = new Image();
  next.onload = () => { img.src = next.src; img.classList.remove("empty"); };
  next.onerror = () => { if (!img.src) img.classList.add("empty"); };
  next.src = `/api/cameras/${encodeURIComponent(cameraId)}/snapshot.jpg?t=${Date.now()}`;
}

function tile(camera, ctx) {
  const img = h("img.empty", { alt: camera.name });
  const target = ctx.can("timeline") ? `#/timeline?camera=${encodeURIComponent(camera.id)}`
    : ctx.can("playback") ? `#/playback?camera=${encodeURIComponent(camera.id)}` : null;
  const body = [h("div.frame", {}, img, h("span.no-footage", {}, t("noFootage"))),
    h("div.meta", {}, h("strong.name", {}, camera.name), badge(camera)),
    h("div.sub", {}, camera.location || camera.id), h("div.sub.status-line", {}, statusLine(camera))];
  const el = target ? h("a.tile", { href: target, dataset: { camera: camera.id } }, body)
    : h("article.tile", { dataset: { camera: camera.id } }, body);
  el.classList.toggle("is-offline", camera.enabled && !camera.status?.online);
  return { el, img };
}

async function render(root, ctx) {
  const grid = h("div.wall", { "aria-live": "polite" });
  const summary = h("span.summary");
  root.append(h("div.toolbar", {}, h("h1", {}, t("nav_wall")), summary), grid);
  const tiles = new Map();

  async function refresh() {
    const cameras = await getJson("/api/cameras");
    const online = cameras.filter((c) => c.enabled && c.status?.online).length;
    summary.textContent = `${online}/${cameras.length} ${t("online").toLowerCase()}`;
    const ids = new Set(cameras.map((c) => c.id));
    for (const [id, gone] of tiles) if (!ids.has(id)) { gone.el.remove(); tiles.delete(id); }
    for (const camera of cameras) {
      const old = tiles.get(camera.id);
      const fresh = tile(camera, ctx);
      if (old) { fresh.img.src = old.img.src; fresh.img.className = old.img.className; old.el.replaceWith(fresh.el); }
      else grid.append(fresh.el);
      tiles.set(camera.id, fresh);
      if (camera.enabled) refreshImage(fresh.img, camera.id);
    }
  }

  await refresh();
  const timer = setInterval(() => refresh().catch(() => {}), REFRESH_MS);
  return () => clearInterval(timer);
}

export default { menu: true, capability: "wall", render };
