// Camera wall: one tile per camera with its latest frame and a high-contrast online/offline badge.
import { getJson } from "../api.js";
import { h } from "../dom.js";
import { t, code } from "../i18n.js";
import { formatDateTime, formatClock } from "../time.js";

const REFRESH_MS = 5000;
// The still is the last keyframe of the newest finished segment (segments last ~10 s), and every
// fetch is audit-logged as a live view: fetching it more often than that shows nothing new.
const IMAGE_EVERY = 2; // status refreshes per image refresh
const RECENT_WINDOW_MS = 3600_000;
const RECENT_COUNT = 8;

/**
 * The latest events of the last hour, all cameras, newest first. Read from /api/timeline, which is
 * not audit-logged, so polling it every few seconds does not flood the audit log with searches.
 */
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

/** A tile updated in place on each refresh, so keyboard focus on it survives the refresh. */
function tile(camera, ctx) {
  const img = h("img.empty", { alt: camera.name });
  const name = h("strong.name");
  const badgeBox = h("span.badge-box");
  const where = h("div.sub");
  const status = h("div.sub.status-line");
  const target = ctx.can("timeline") ? `#/timeline?camera=${encodeURIComponent(camera.id)}`
    : ctx.can("playback") ? `#/playback?camera=${encodeURIComponent(camera.id)}` : null;
  const body = [h("div.frame", {}, img, h("span.no-footage", {}, t("noFootage"))),
    h("div.meta", {}, name, badgeBox), where, status];
  const el = target ? h("a.tile", { href: target, dataset: { camera: camera.id } }, body)
    : h("article.tile", { dataset: { camera: camera.id } }, body);
  const update = (current) => {
    name.textContent = current.name;
    badgeBox.replaceChildren(badge(current));
    where.textContent = current.location || current.id;
    status.textContent = statusLine(current);
    el.classList.toggle("is-offline", current.enabled && !current.status?.online);
  };
  update(camera);
  return { el, img, update };
}

async function render(root, ctx) {
  const grid = h("div.wall");
  const summary = h("span.summary", { "aria-live": "polite" });
  const recent = h("div.recent-strip", { "aria-label": t("recentEvents") });
  root.append(h("div.toolbar", {}, h("h1", {}, t("nav_wall")), summary),
    ctx.can("timeline") ? h("section", {}, h("h2.recent-title", {}, t("recentEvents")), recent) : "", grid);
  const tiles = new Map();
  let seen = null; // event ids already shown: new ones flash once (none flash on the first load)

  async function refreshRecent() {
    const events = await recentEvents();
    recent.replaceChildren(...(events.length ? recentStrip(events, seen ?? new Set(events.map((e) => e.id)))
      : [h("span.hint", {}, t("noResults"))]));
    seen = new Set([...(seen ?? []), ...events.map((e) => e.id)]);
  }

  let ticks = 0;
  async function refresh() {
    const cameras = await getJson("/api/cameras");
    const images = ticks++ % IMAGE_EVERY === 0;
    const online = cameras.filter((c) => c.enabled && c.status?.online).length;
    summary.textContent = `${online}/${cameras.length} ${t("online").toLowerCase()}`;
    const ids = new Set(cameras.map((c) => c.id));
    for (const [id, gone] of tiles) if (!ids.has(id)) { gone.el.remove(); tiles.delete(id); }
    for (const camera of cameras) {
      let current = tiles.get(camera.id);
      const added = !current;
      if (added) {
        current = tile(camera, ctx);
        grid.append(current.el);
        tiles.set(camera.id, current);
      } else {
        current.update(camera);
      }
      if (camera.enabled && (images || added)) refreshImage(current.img, camera.id);
    }
  }

  await refresh();
  if (ctx.can("timeline")) await refreshRecent().catch(() => {});
  const timer = setInterval(() => {
    refresh().catch(() => {});
    if (ctx.can("timeline")) refreshRecent().catch(() => {});
  }, REFRESH_MS);
  return () => clearInterval(timer);
}

export default { menu: true, capability: "wall", render };
