// Event timeline: one row per camera over a chosen range (10 min .. 7 days) with recorded coverage,
// event markers coloured by severity and a scrub cursor. Click or drag on a row to play from there.
import { getJson } from "../api.js";
import { h, select, table } from "../dom.js";
import { t, code } from "../i18n.js";
import { formatClock, formatDay, formatDateTime } from "../time.js";
import { Player } from "../player.js";

const MIN = 60_000;
const SPANS = [[10, "last10m"], [60, "last1h"], [360, "last6h"], [1440, "last24h"], [10080, "last7d"]]; // minutes
const MIN_SPAN = 10 * MIN;
const MAX_SPAN = 7 * 1440 * MIN;
const TICK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].map((m) => m * MIN);
const SITE_OFFSET = 7 * 60 * MIN; // ticks fall on round site-time hours/days
const PRE_ROLL = 30_000; // a scrub loads this much before the chosen moment ...
const WINDOW = 5 * MIN; // ... and this much in all, so nearby scrubs need no new request
const STEP_KEY = 10_000;
const REFRESH_MS = 10_000;
const LISTED_EVENTS = 50;
const EVENT_PRE_ROLL = 10_000;
const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  el.append(...children);
  return el;
}

const pct = (value) => `${(value * 100).toFixed(4)}%`;

function ticks(start, end) {
  const span = end - start;
  const step = TICK_STEPS.find((s) => span / s <= 8) ?? TICK_STEPS.at(-1);
  const first = Math.ceil((start + SITE_OFFSET) / step) * step - SITE_OFFSET;
  const out = [];
  for (let x = first; x <= end && out.length < 50; x += step) out.push(x);
  return { out, withDay: step >= 180 * MIN || span > 1440 * MIN };
}

class Timeline {
  constructor(ctx, root) {
    this.ctx = ctx;
    const spanParam = Number(ctx.params.get("span"));
    this.span = spanParam >= MIN_SPAN && spanParam <= MAX_SPAN ? spanParam : 60 * MIN;
    const endParam = Date.parse(ctx.params.get("end") ?? "");
    this.live = Number.isNaN(endParam);
    this.end = this.live ? Date.now() : endParam;
    this.cameraFilter = ctx.params.get("camera") ?? "";
    this.cursor = null; // {time, cameraId}
    this.dragging = false;
    this.data = [];
    this.player = ctx.can("playback") ? new Player({ onTime: (time, cameraId) => this.setCursor(time, cameraId) }) : null;
    this.build(root);
  }

  build(root) {
    this.spanSelect = select("span", SPANS.map(([m, key]) => [String(m * MIN), t(key)]), String(this.span),
      { onchange: () => this.zoomTo(Number(this.spanSelect.value)) });
    this.cameraSelect = select("camera", [["", t("allCameras")]], this.cameraFilter,
      { onchange: () => { this.cameraFilter = this.cameraSelect.value; this.load(); } });
    const button = (label, onclick, cls = "ghost") => h(`button.${cls}`, { type: "button", onclick }, label);
    this.rangeLabel = h("span.range-label");
    this.rows = h("div.timeline-rows", { tabindex: 0, "aria-label": t("nav_timeline") });
    this.rows.addEventListener("keydown", (e) => this.onKey(e));
    this.message = h("p.error", { role: "alert" });
    this.eventList = h("div.table-wrap.timeline-events");
    root.append(
      h("div.toolbar", {}, h("h1", {}, t("nav_timeline")), this.cameraSelect, this.spanSelect,
        button(t("zoomIn"), () => this.zoomTo(this.span / 2)), button(t("zoomOut"), () => this.zoomTo(this.span * 2)),
        button(t("earlier"), () => this.pan(-0.5)), button(t("later"), () => this.pan(0.5)),
        button(t("now"), () => { this.live = true; this.load(); })),
      h("p.hint", {}, this.rangeLabel, " — ", t("timelineHelp")),
      h("div.legend", {}, h("span.key.coverage", {}, t("coverage")),
        ...["info", "warning", "alarm"].map((sev) => h(`span.key.sev-${sev}`, {}, t(`severity_${sev}`)))),
      this.rows, this.message, this.player ? this.player.el : "", this.eventList);
  }

  zoomTo(span) {
    span = Math.min(MAX_SPAN, Math.max(MIN_SPAN, span));
    const center = this.cursor?.time ?? this.end - this.span / 2;
    this.span = span;
    if (!this.live || center < Date.now() - span / 2) {
      this.live = false;
      this.end = Math.min(Date.now(), center + span / 2);
    }
    this.spanSelect.value = String(SPANS.find(([m]) => m * MIN === span) ? span : "");
    this.load();
  }

  pan(fraction) {
    this.end = Math.min(Date.now(), this.end + fraction * this.span);
    this.live = this.end >= Date.now() - 1000;
    this.load();
  }

  async load() {
    if (this.live) this.end = Date.now();
    const start = new Date(this.end - this.span);
    const end = new Date(this.end);
    this.rangeLabel.textContent = `${formatDateTime(start)} → ${formatDateTime(end)}`;
    try {
      const cameras = this.cameraSelect.options.length > 1 ? null : await getJson("/api/cameras");
      if (cameras) for (const c of cameras) this.cameraSelect.append(new Option(c.name, c.id));
      this.cameraSelect.value = this.cameraFilter;
      const body = await getJson("/api/timeline", { start, end, camera_id: this.cameraFilter || undefined });
      this.data = body.cameras;
      this.message.textContent = "";
      this.draw();
    } catch (error) {
      this.message.textContent = error.status === 404 ? t("waitingBackend") : `${t("error")}: ${error.message}`;
    }
  }

  draw() {
    const start = this.end - this.span;
    const ms = (time) => (typeof time === "number" ? time : Date.parse(time));
    const x = (time) => Math.min(1, Math.max(0, (ms(time) - start) / this.span));
    const { out, withDay } = ticks(start, this.end);
    const axis = svg("svg", { class: "axis", width: "100%", height: 28 },
      ...out.map((time) => svg("g", {},
        svg("line", { x1: pct(x(time)), x2: pct(x(time)), y1: 18, y2: 28 }),
        // Labels near an edge are anchored inwards so they are not cut off.
        svg("text", { x: pct(x(time)), y: 13, "text-anchor": x(time) < 0.04 ? "start" : x(time) > 0.96 ? "end" : "middle" },
          withDay ? `${formatDay(time)} ${formatClock(time, false)}` : formatClock(time, false)))));
    const rows = this.data.map((camera) => this.row(camera, x));
    this.rows.replaceChildren(h("div.timeline-row.axis-row", {}, h("span.row-label"), axis), ...rows);
    this.drawCursor();
    this.drawEventList();
  }

  /** The range's events, newest first: play one from 10 s before it, or open its page. */
  drawEventList() {
    const events = this.data.flatMap((camera) => camera.events.map((event) => ({ ...event, camera })))
      .sort((a, b) => Date.parse(b.start) - Date.parse(a.start)).slice(0, LISTED_EVENTS);
    if (!events.length) { this.eventList.replaceChildren(); return; }
    this.eventList.replaceChildren(h("h2", {}, t("events")), table([t("time"), t("camera"), t("type"), ""],
      events.map((event) => [formatDateTime(event.start), event.camera.name,
        h("span", {}, h(`span.sev-text.sev-${event.severity}`, {}, code("type", event.type)),
          event.imported ? h("span.badge.imported", { title: t("importedHint") }, t("importedEvent")) : ""),
        h("span.actions", {},
          this.player ? h("button.ghost.play-from", { type: "button",
            onclick: () => this.seek(Date.parse(event.start) - EVENT_PRE_ROLL, event.camera.camera_id) }, `▶ ${t("play")}`) : "",
          h("a.button.ghost", { href: `#/events/${event.id}` }, t("open")))])));
  }

  row(camera, x) {
    const bars = camera.coverage.map(([from, to]) => svg("rect", { class: "coverage", x: pct(x(from)), y: 8,
      width: pct(Math.max(x(to) - x(from), 0.001)), height: 24 }, svg("title", {}, t("coverage"))));
    const markers = camera.events.map((event) => {
      const left = x(event.start);
      const width = Math.max((event.end ? x(event.end) : left) - left, 0.004);
      return svg("rect", { class: `marker sev-${event.severity}${event.imported ? " imported" : ""}`, x: pct(left), y: 2, width: pct(width), height: 36,
        "data-event": event.id }, svg("title", {}, `${code("type", event.type)} · ${formatDateTime(event.start)}${
          event.imported ? ` · ${t("importedEvent")}` : ""}`));
    });
    const track = svg("svg", { class: "track", width: "100%", height: 40 }, ...bars, ...markers,
      svg("line", { class: "cursor", x1: "-10", x2: "-10", y1: 0, y2: 40 }));
    const el = h("div.timeline-row", { dataset: { camera: camera.camera_id } },
      h("span.row-label", { title: camera.camera_id }, camera.name), track);
    this.bindScrub(track, camera.camera_id);
    return el;
  }

  bindScrub(track, cameraId) {
    const timeAt = (e) => {
      const box = track.getBoundingClientRect();
      return this.end - this.span + Math.min(1, Math.max(0, (e.clientX - box.left) / box.width)) * this.span;
    };
    let dragging = false;
    let moved = false;
    track.addEventListener("pointerdown", (e) => {
      dragging = true; moved = false;
      this.dragging = true; // no live redraw under the pointer
      track.setPointerCapture(e.pointerId);
      this.setCursor(timeAt(e), cameraId);
    });
    track.addEventListener("pointermove", (e) => {
      if (!dragging) return;
      moved = true;
      this.setCursor(timeAt(e), cameraId);
    });
    track.addEventListener("pointerup", (e) => {
      if (!dragging) return;
      dragging = false;
      this.dragging = false;
      const marker = e.target.closest?.(".marker");
      if (!moved && marker && this.ctx.can("events")) { this.ctx.navigate(`#/events/${marker.dataset.event}`); return; }
      this.seek(timeAt(e), cameraId);
    });
  }

  setCursor(time, cameraId) {
    this.cursor = { time, cameraId };
    this.drawCursor();
  }

  drawCursor() {
    if (!this.cursor) return;
    const fraction = (this.cursor.time - (this.end - this.span)) / this.span;
    for (const row of this.rows.querySelectorAll(".timeline-row[data-camera]")) {
      const line = row.querySelector("line.cursor");
      const show = fraction >= 0 && fraction <= 1 && row.dataset.camera === this.cursor.cameraId;
      line.setAttribute("x1", show ? pct(fraction) : "-10");
      line.setAttribute("x2", show ? pct(fraction) : "-10");
      row.classList.toggle("selected", row.dataset.camera === this.cursor.cameraId);
    }
  }

  async seek(time, cameraId) {
    this.setCursor(time, cameraId);
    if (!this.player) return;
    const at = new Date(time);
    if (this.player.covers(cameraId, at)) { this.player.seek(at); return; }
    const start = new Date(time - PRE_ROLL);
    const end = new Date(Math.min(Date.now(), start.getTime() + WINDOW));
    const name = this.data.find((c) => c.camera_id === cameraId)?.name ?? cameraId;
    await this.player.load(cameraId, start, end > at ? end : new Date(time + PRE_ROLL), { seekTo: at, title: name });
  }

  onKey(e) {
    if (!this.cursor || !["ArrowLeft", "ArrowRight"].includes(e.key)) return;
    e.preventDefault();
    const base = this.player?.wallTime() ?? this.cursor.time;
    this.seek(base + (e.key === "ArrowLeft" ? -STEP_KEY : STEP_KEY), this.cursor.cameraId);
  }
}

async function render(root, ctx) {
  const timeline = new Timeline(ctx, root);
  await timeline.load();
  const timer = setInterval(() => { if (timeline.live && !timeline.dragging) timeline.load(); }, REFRESH_MS);
  return () => { clearInterval(timer); timeline.player?.stop(); };
}

export default { menu: true, capability: "timeline", render };
