// Live video: the camera's own H.264 as fragmented MP4 over a WebSocket into Media Source Extensions.
// One LivePlayer per <video>. It keeps the picture close to the live edge (a viewer never watches
// a growing backlog), reconnects by itself when the camera or the server comes back, and knows the
// wall-clock capture time of the frame on screen (sent with every fragment).

const BACKOFF_MS = [1000, 2000, 4000, 5000];
const KEEP_BEHIND_S = 8; // buffer kept behind the playhead (the rest is freed)
const TARGET_LAG_S = 0.15; // where we sit behind the newest frame: enough to ride out jitter
const JUMP_LAG_S = 1.0; // further behind than this (tab in background, slow CPU): jump to the edge
const CATCH_UP_RATE = 1.15;
// Close codes of the server (vms/api/routes/live.py): these are answers, not outages.
export const CLOSE_STATES = { 4401: "login", 4403: "denied", 4404: "denied" };

/** ws(s)://host/api/cameras/<id>/live?stream=sub|main for this page's origin. */
export function liveUrl(cameraId, stream) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/api/cameras/${encodeURIComponent(cameraId)}/live?stream=${stream}`;
}

export function mseSupported(codec = "avc1.42E01E") {
  return typeof MediaSource !== "undefined" && MediaSource.isTypeSupported(`video/mp4; codecs="${codec}"`);
}

export class LivePlayer {
  /**
   * @param {HTMLVideoElement} video
   * @param {{cameraId: string, stream: "sub"|"main", onState?: (state: string, info: object) => void}} options
   * States: connecting, playing, offline (camera or worker down), denied, login, unsupported.
   */
  constructor(video, { cameraId, stream = "sub", onState = () => {} }) {
    Object.assign(this, { video, cameraId, stream, onState });
    video.muted = true;
    video.playsInline = true;
    video.autoplay = true;
    this.state = "";
    this.info = {};
    this.ws = null;
    this.attempt = 0;
    this.stopped = false;
    this.pending = [];
    this.offset = null; // wall-clock seconds minus media seconds
    this.frames = 0;
    this.onTimeUpdate = () => this.keepLive();
    video.addEventListener("timeupdate", this.onTimeUpdate);
  }

  setState(state, info = {}) {
    if (state === this.state && state !== "playing") return;
    this.state = state;
    this.video.dataset.state = state;
    this.onState(state, { ...this.info, ...info });
  }

  start() {
    this.stopped = false;
    if (!mseSupported()) { this.setState("unsupported"); return; }
    this.connect();
  }

  connect() {
    if (this.stopped) return;
    this.setState(this.state === "offline" ? "offline" : "connecting");
    const ws = new WebSocket(liveUrl(this.cameraId, this.stream));
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onmessage = (message) => {
      if (ws !== this.ws) return;
      if (typeof message.data === "string") this.onControl(JSON.parse(message.data));
      else this.onBinary(message.data);
    };
    ws.onclose = (event) => {
      if (ws !== this.ws || this.stopped) return;
      this.ws = null;
      const answer = CLOSE_STATES[event.code];
      if (answer) { this.setState(answer); return; } // no retry: access does not come back by itself
      this.setState("offline", { reason: "connection" });
      const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
      this.attempt += 1;
      this.retryTimer = setTimeout(() => this.connect(), delay);
    };
  }

  onControl(message) {
    if (message.type === "stream") {
      this.info = message;
      this.resetMedia(message.codec);
    } else if (message.type === "offline") {
      this.setState("offline", { reason: message.reason });
    }
  }

  onBinary(buffer) {
    const kind = new Uint8Array(buffer, 0, 1)[0];
    if (kind === 0x49) { // "I": init segment
      this.append(buffer.slice(1));
    } else if (kind === 0x4d) { // "M": capture time, media time, fragment
      const view = new DataView(buffer, 1, 16);
      this.offset = view.getFloat64(0) - view.getFloat64(8);
      this.frames += 1;
      this.append(buffer.slice(17));
      if (this.state !== "playing") { this.attempt = 0; this.setState("playing"); }
    }
  }

  /** A new MediaSource for a new stream (codec parameters may have changed with the camera). */
  resetMedia(codec) {
    this.pending = [];
    this.sourceBuffer = null;
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    const media = new MediaSource();
    this.media = media;
    this.objectUrl = URL.createObjectURL(media);
    this.video.src = this.objectUrl;
    media.addEventListener("sourceopen", () => {
      if (media !== this.media) return;
      try {
        this.sourceBuffer = media.addSourceBuffer(`video/mp4; codecs="${codec}"`);
      } catch (error) {
        this.setState("unsupported", { reason: String(error) });
        return;
      }
      this.sourceBuffer.mode = "segments";
      this.sourceBuffer.addEventListener("updateend", () => this.drain());
      this.drain();
    }, { once: true });
  }

  append(data) {
    this.pending.push(data);
    this.drain();
  }

  drain() {
    const buffer = this.sourceBuffer;
    if (!buffer || buffer.updating || !this.pending.length || this.media?.readyState !== "open") return;
    if (this.trimIfNeeded(buffer)) return;
    try {
      buffer.appendBuffer(this.pending.shift());
    } catch (error) {
      // QuotaExceeded or a decode error: start clean from the next stream start (reconnect).
      this.restart();
      return;
    }
    this.keepLive();
  }

  /** Free what lies well behind the playhead (one remove at a time; returns true if it started one). */
  trimIfNeeded(buffer) {
    const ranges = buffer.buffered;
    if (!ranges.length) return false;
    const behind = this.video.currentTime - KEEP_BEHIND_S;
    if (ranges.start(0) < behind - 2) {
      buffer.remove(0, behind);
      return true;
    }
    return false;
  }

  /** Stay near the newest frame: jump when far behind, play slightly faster when a little behind. */
  keepLive() {
    const ranges = this.video.buffered;
    if (!ranges.length) return;
    const end = ranges.end(ranges.length - 1);
    const lag = end - this.video.currentTime;
    if (this.video.currentTime < ranges.start(ranges.length - 1) || lag > JUMP_LAG_S) {
      this.video.currentTime = Math.max(ranges.start(ranges.length - 1), end - TARGET_LAG_S);
    }
    this.video.playbackRate = lag > TARGET_LAG_S * 2 ? CATCH_UP_RATE : 1;
    if (this.video.paused) this.video.play().catch(() => {});
  }

  /** Wall-clock time (ms since epoch) of the frame on screen, or null before the first frame. */
  wallTime() {
    return this.offset === null || !this.video.readyState ? null : (this.offset + this.video.currentTime) * 1000;
  }

  restart() {
    if (this.ws) this.ws.close();
    this.ws = null;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), 500);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.video.removeEventListener("timeupdate", this.onTimeUpdate);
    if (this.ws) { this.ws.onclose = null; this.ws.close(); }
    this.ws = null;
    this.media = null;
    this.sourceBuffer = null;
    this.video.removeAttribute("src");
    this.video.load();
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = null;
  }
}
