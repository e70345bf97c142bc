// A recorded-video player: loads playback.mp4 for a camera and range, shows the wall-clock time of
// the frame on screen, and seeks by wall-clock time (used by the timeline scrubber and event pages).
import { playbackUrl, ApiError, getJson } from "./api.js";
import { h, select } from "./dom.js";
import { t } from "./i18n.js";
import { formatDateTime } from "./time.js";

const SPEEDS = [0.5, 1, 2, 4, 8];

export class Player {
  constructor({ onTime } = {}) {
    this.onTime = onTime ?? (() => {});
    this.video = h("video", { controls: true, muted: true, playsInline: true, preload: "auto" });
    this.clock = h("output.frame-clock", { "aria-live": "off" }, "—");
    this.title = h("span.player-title", {}, "");
    this.message = h("p.error", { role: "alert" });
    const step = (seconds) => h("button.ghost", { type: "button", onclick: () => this.step(seconds) },
      `${seconds > 0 ? "+" : "−"}${Math.abs(seconds)} s`);
    const speed = select("speed", SPEEDS.map((r) => [String(r), `${r}×`]), "1",
      { "aria-label": t("speed"), onchange: () => { this.video.defaultPlaybackRate = this.video.playbackRate = Number(speed.value); } });
    this.el = h("div.player", {}, h("div.player-bar", {}, this.title, h("span", {}, t("frameTime"), ": ", this.clock)),
      this.video, h("div.player-controls", {}, step(-10), step(10), speed), this.message);
    this.loaded = null; // {cameraId, start: Date, end: Date, clipStart: ms epoch}
    this.video.addEventListener("timeupdate", () => this.tick());
    this.video.addEventListener("seeked", () => this.tick());
  }

  /** Wall-clock time (ms since epoch) of the frame on screen, or null when nothing is loaded. */
  wallTime() {
    return this.loaded ? this.loaded.clipStart + this.video.currentTime * 1000 : null;
  }

  tick() {
    const wall = this.wallTime();
    this.clock.textContent = wall === null ? "—" : formatDateTime(wall);
    if (wall !== null) this.onTime(wall, this.loaded.cameraId);
  }

  /** True when `time` (Date) of `cameraId` is inside the clip already loaded (no new request needed). */
  covers(cameraId, time) {
    const l = this.loaded;
    return Boolean(l && l.cameraId === cameraId && time >= l.start && time < l.end);
  }

  /**
   * Load [start, end) of `cameraId` and seek to `seekTo` (Date, default start). Resolves true when
   * the clip is ready, false (with the reason shown) when there is no footage.
   */
  async load(cameraId, start, end, { seekTo = start, title = "", autoplay = true } = {}) {
    this.message.textContent = "";
    this.title.textContent = title;
    const url = playbackUrl(cameraId, start, end);
    let header = null;
    let segments = [];
    try {
      // One byte first, so a range without footage shows the server's reason instead of a silent
      // black player. "bytes=1-1" (not 0-) keeps this probe out of the playback audit log.
      const probe = await fetch(url, { credentials: "same-origin", headers: { Range: "bytes=1-1" } });
      if (!probe.ok) {
        const body = await probe.json().catch(() => ({}));
        throw new ApiError(probe.status, body.detail ?? probe.statusText);
      }
      header = Number(probe.headers.get("X-Clip-Start")) || null;
      if (!header) segments = await getJson("/api/recordings", { camera_id: cameraId, start, end });
    } catch (error) {
      this.unload(error.status === 404 ? t("noRecording") : `${t("error")}: ${error.message}`);
      return false;
    }
    this.loaded = null; // until the new clip's anchor is known, its frames have no wall time
    this.video.src = url;
    await new Promise((resolve) => {
      this.video.addEventListener("loadedmetadata", resolve, { once: true });
      this.video.addEventListener("error", resolve, { once: true });
    });
    const clipStart = header ? header * 1000 : clipStartFrom(segments, start, end, this.video.duration);
    this.loaded = { cameraId, start, end, clipStart };
    this.seek(seekTo);
    if (autoplay) this.video.play().catch(() => {});
    return true;
  }

  unload(message) {
    this.loaded = null;
    this.video.removeAttribute("src");
    this.video.load();
    this.message.textContent = message;
    this.tick();
  }

  step(seconds) {
    const wall = this.wallTime();
    if (wall !== null) this.seek(new Date(wall + seconds * 1000));
  }

  /** Seek the loaded clip to wall-clock `time` (Date). */
  seek(time) {
    if (!this.loaded) return;
    const offset = Math.max(0, (time.getTime() - this.loaded.clipStart) / 1000);
    this.video.currentTime = Number.isFinite(this.video.duration) ? Math.min(offset, this.video.duration) : offset;
    this.tick();
  }

  stop() {
    this.video.pause();
    this.video.removeAttribute("src");
    this.video.load();
  }
}

/**
 * Wall-clock start (ms) of a clip cut from `segments` for [start, end) that lasts `duration` s.
 * The server cuts from the keyframe at or before `start`, or from the first segment's start when the
 * footage begins later. Inside a segment that keyframe is unknown here, so count back from the
 * clip's end instead: the requested end, or the end of the last segment when footage stops sooner.
 */
export function clipStartFrom(segments, start, end, duration) {
  if (!segments.length || !Number.isFinite(duration)) return start.getTime();
  const first = Date.parse(segments[0].start);
  if (first >= start.getTime()) return first;
  const clipEnd = Math.min(end.getTime(), Date.parse(segments.at(-1).end));
  const estimate = clipEnd - duration * 1000;
  // Never later than the requested start, never more than one long GOP before it.
  return Math.min(start.getTime(), Math.max(start.getTime() - 10_000, estimate));
}
