// One event: what happened, where and when, the objects involved, its snapshot, and the footage
// around it (10 s before, 20 s after) in the player; investigators can export that clip.
import { getJson } from "../api.js";
import { h, table, errorBox } from "../dom.js";
import { t, code } from "../i18n.js";
import { formatDateTime, formatDuration } from "../time.js";
import { Player } from "../player.js";
import { openExportDialog } from "../exportdialog.js";
import { reviewPanel } from "../alarms.js";

const PRE_ROLL = 10_000;
const POST_ROLL = 20_000;

export function eventWindow(event) {
  const start = Date.parse(event.start);
  const end = event.end ? Date.parse(event.end) : start;
  return { start: new Date(start - PRE_ROLL), end: new Date(Math.min(Date.now(), end + POST_ROLL)), at: new Date(start) };
}

function facts(event) {
  const duration = event.end ? formatDuration((Date.parse(event.end) - Date.parse(event.start)) / 1000) : t("ongoing");
  const rows = [
    [t("type"), code("type", event.type)],
    [t("severity"), h(`span.sev-text.sev-${event.severity}`, {}, t(`severity_${event.severity}`))],
    [t("camera"), event.camera_name ?? event.camera_id ?? "—"],
    [t("time"), formatDateTime(event.start)],
    [t("duration"), duration],
    [t("zone"), event.zone ?? "—"],
    [t("detector"), event.detector || "—"],
    [t("origin"), event.imported ? h("span.badge.imported", { title: t("importedHint") }, t("originImported"))
      : t("originSite")],
  ];
  return h("dl.facts", {}, rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

function objectsTable(event) {
  if (!event.objects?.length) return "";
  return h("section", {}, h("h2", {}, t("objects")), table(
    ["#", t("objectClass"), t("colour"), t("direction"), t("speed")],
    event.objects.map((o) => [o.role ? `${o.track_id} (${code("role", o.role)})` : String(o.track_id), code("class", o.class_name),
      code("colour", o.colour) || "—", code("direction", o.direction) || "—",
      o.speed_kmh === null || o.speed_kmh === undefined ? "—" : `${o.speed_kmh.toFixed(0)} km/h`])));
}

async function render(root, ctx) {
  const id = Number(ctx.args[0]);
  let event;
  try {
    event = await getJson(`/api/events/${id}`);
  } catch (error) {
    root.append(errorBox(error, t("notFound")));
    return undefined;
  }
  const clip = eventWindow(event);
  const player = ctx.can("playback") && event.camera_id ? new Player() : null;
  const actions = h("div.actions", {},
    h("button.ghost", { type: "button",
      onclick: () => (history.length > 1 ? history.back() : ctx.navigate("#/search")) }, t("back")),
    player ? h("button.primary.big.play-event", { type: "button", onclick: () => play() }, `▶ ${t("playEvent")}`) : "",
    ctx.can("exports") && event.camera_id ? h("button.ghost.big.export-event", { type: "button",
      onclick: () => openExportDialog({ cameraIds: [event.camera_id], start: clip.start, end: clip.end }) },
    t("exportEvent")) : "");
  const review = h("div.review-box");
  const showReview = (current) => review.replaceChildren(reviewPanel(current, showReview));
  showReview(event);
  const snapshot = event.has_snapshot
    ? h("img.snapshot", { src: `/api/events/${event.id}/snapshot.jpg`, alt: t("snapshot") }) : "";
  root.append(
    h("div.toolbar", {}, h("h1", {}, `${code("type", event.type)} — ${t("eventNo")} ${event.id}`)),
    actions,
    h("div.event-layout", {},
      h("div.event-media", {}, player ? player.el : ""),
      h("div.event-info", {}, review, h("div.card", {}, snapshot, facts(event), objectsTable(event)))));
  const title = `${event.camera_name ?? event.camera_id} · ${formatDateTime(clip.start)}`;
  const play = () => player.load(event.camera_id, clip.start, clip.end, { seekTo: clip.at, title });
  if (player) play();
  return () => player?.stop();
}

export default { menu: false, capability: "events", render };
