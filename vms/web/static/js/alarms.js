// The alarm console on every page: events pushed by the server (Server-Sent Events), a banner and a
// repeating sound for alarm-level events until someone acknowledges, the queue of unhandled alarms
// (top-bar counter, drawer, a count on each wall tile) and the review actions.
// Sound and actions only for roles that may review alarms (admin, operator, investigator).
import { getJson, sendJson } from "./api.js";
import { h, toast } from "./dom.js";
import "./i18n/alarms.js";
import { t, code } from "./i18n.js";
import { can } from "./roles.js";
import { formatClock, formatDateTime } from "./time.js";
import { openReviewDialog, queueItem, renderBanner } from "./alarms_ui.js";

const OPEN = new Set(["new", "acknowledged"]);
const MUTE_KEY = "vms-alarm-muted";

/** Two-tone beeps through Web Audio. Browsers start audio only after a click or key press on the page:
 * the login click (or any later one) unlocks it; until then the banner offers a button to do so. */
class AlarmSound {
  constructor() {
    this.ctx = null;
    this.timer = null;
    this.beeps = 0;
    this.muted = localStorage.getItem(MUTE_KEY) === "1";
    this.onchange = () => {};
    const unlock = () => this.unlock();
    document.addEventListener("pointerdown", unlock, { capture: true });
    document.addEventListener("keydown", unlock, { capture: true });
  }

  get state() {
    if (this.muted) return "muted";
    if (!this.timer) return "idle";
    return this.ctx?.state === "running" ? "playing" : "blocked";
  }

  unlock() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    if (!this.ctx) this.ctx = new Context();
    if (this.ctx.state !== "running") this.ctx.resume().then(() => this.onchange()).catch(() => {});
  }

  setMuted(muted) {
    this.muted = muted;
    localStorage.setItem(MUTE_KEY, muted ? "1" : "0");
    this.onchange();
  }

  /** Beep now and every `repeatS` seconds until stop(). */
  start(repeatS) {
    if (this.timer && this.repeatS === repeatS) return;
    this.stop(false);
    this.repeatS = repeatS;
    this.timer = setInterval(() => this.beep(), repeatS * 1000);
    this.beep();
  }

  stop(notify = true) {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    if (notify) this.onchange();
  }

  beep() {
    if (this.muted || !this.ctx || this.ctx.state !== "running") { this.onchange(); return; }
    const now = this.ctx.currentTime;
    [0, 0.25, 0.5].forEach((offset, i) => {
      const osc = this.ctx.createOscillator();
      const gain = this.ctx.createGain();
      osc.type = "square";
      osc.frequency.value = i % 2 ? 660 : 988;
      gain.gain.setValueAtTime(0.0001, now + offset);
      gain.gain.exponentialRampToValueAtTime(0.25, now + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.22);
      osc.connect(gain).connect(this.ctx.destination);
      osc.start(now + offset);
      osc.stop(now + offset + 0.24);
    });
    this.beeps += 1;
    this.onchange();
  }
}

class AlarmConsole {
  constructor() {
    this.sound = new AlarmSound();
    this.sound.onchange = () => this.render();
    this.queue = new Map(); // id -> open alarm (new or acknowledged)
    this.counts = { new: 0, acknowledged: 0, alarm_new: 0, by_camera: {} };
    this.policy = {};
    this.user = null;
    this.source = null;
    this.connected = false;
    this.listeners = new Set();
  }

  /** After login: load the queue and the policy, open the push stream, show the console. */
  async start(user) {
    this.stop();
    if (!can(user, "events")) return;
    this.user = user;
    this.mountShell();
    this.policy = await getJson("/api/alarms/policy").catch(() => ({}));
    await this.reload();
    this.connect();
  }

  stop() {
    this.source?.close();
    this.source = null;
    this.user = null;
    this.queue.clear();
    this.sound.stop();
    this.observer?.disconnect();
    document.querySelectorAll("#alarm-banner, #alarm-indicator, #alarm-drawer").forEach((el) => el.remove());
  }

  get reviewer() { return can(this.user, "alarms"); }

  async reload() {
    const body = await getJson("/api/alarms");
    this.queue = new Map(body.items.map((event) => [event.id, event]));
    this.counts = body.counts;
    this.render();
  }

  connect() {
    const source = new EventSource("/api/events/stream");
    this.source = source;
    source.addEventListener("hello", (message) => {
      const hello = JSON.parse(message.data);
      this.connected = true;
      this.counts = hello.counts;
      if (hello.resync) this.reload().catch(() => {});
      this.render();
    });
    source.addEventListener("event", (message) => {
      const { event, counts } = JSON.parse(message.data);
      this.counts = counts;
      this.handle(event);
    });
    source.onerror = () => {
      this.connected = false;
      this.render();
      // Closed for good (e.g. the login expired): a plain request sends the page to the login.
      if (source.readyState === EventSource.CLOSED) getJson("/api/auth/me").then(() => this.connect()).catch(() => {});
    };
  }

  handle(event) {
    const fresh = !this.queue.has(event.id) && event.review_state === "new";
    if (OPEN.has(event.review_state)) this.queue.set(event.id, event);
    else this.queue.delete(event.id);
    if (fresh && event.alarm_level === "notify") {
      toast(`${code("type", event.type)} · ${event.camera_name ?? event.camera_id ?? ""} · ${formatClock(event.start)}`);
    }
    window.dispatchEvent(new CustomEvent("vms:event", { detail: event }));
    this.listeners.forEach((listener) => listener(event));
    this.render();
  }

  onEvent(listener) { this.listeners.add(listener); return () => this.listeners.delete(listener); }

  async review(event, state, note = "") {
    const updated = await sendJson("POST", `/api/events/${event.id}/review`, { state, note });
    this.handle(updated); // the stream sends it too; applying it now makes the click feel instant
    return updated;
  }

  /** Open new alarms at alarm level, newest first: what the banner shows and the sound is for. */
  ringing() {
    return [...this.queue.values()].filter((e) => e.alarm_level === "alarm" && e.review_state === "new")
      .sort((a, b) => Date.parse(b.start) - Date.parse(a.start));
  }

  mountShell() {
    const indicator = h("button#alarm-indicator.ghost", { type: "button", onclick: () => this.toggleDrawer() });
    document.querySelector(".topbar .session").prepend(indicator);
    document.querySelector(".topbar").after(h("div#alarm-banner", { role: "alert", hidden: true }));
    document.body.append(h("aside#alarm-drawer", { hidden: true, "aria-label": t("alarmQueue") }));
    // A count of unhandled alarms on every wall tile (any element with data-camera inside .wall).
    this.observer = new MutationObserver(() => this.decorateTiles());
    this.observer.observe(document.querySelector("#view"), { childList: true, subtree: true });
  }

  toggleDrawer(open) {
    const drawer = document.querySelector("#alarm-drawer");
    if (!drawer) return;
    drawer.hidden = open === undefined ? !drawer.hidden : !open;
    this.render();
  }

  render() {
    if (!this.user) return;
    const ringing = this.ringing();
    const audible = ringing.filter((e) => this.policy[e.type]?.sound !== false);
    if (audible.length && this.reviewer) this.sound.start(Math.min(...audible.map((e) => this.policy[e.type]?.repeat_s ?? 10)));
    else this.sound.stop(false);
    renderBanner(document.querySelector("#alarm-banner"), ringing, this);
    this.renderIndicator();
    this.renderDrawer();
    this.decorateTiles();
  }

  renderIndicator() {
    const el = document.querySelector("#alarm-indicator");
    if (!el) return;
    const open = this.counts.new + this.counts.acknowledged;
    el.textContent = `🔔 ${open} ${t("unhandled")}`;
    el.classList.toggle("has-new", this.counts.new > 0);
    el.classList.toggle("offline", !this.connected);
    el.title = this.connected ? t("showQueue") : t("liveDisconnected");
    el.dataset.new = String(this.counts.new);
  }

  renderDrawer() {
    const drawer = document.querySelector("#alarm-drawer");
    if (!drawer || drawer.hidden) return;
    // New ones first, then those someone is on; newest first within each.
    const sorted = [...this.queue.values()].sort((a, b) => Number(b.review_state === "new")
      - Number(a.review_state === "new") || Date.parse(b.start) - Date.parse(a.start));
    drawer.replaceChildren(
      h("div.drawer-head", {}, h("h2", {}, `${t("alarmQueue")} (${sorted.length})`),
        h("button.ghost", { type: "button", onclick: () => this.toggleDrawer(false) }, t("hideQueue"))),
      sorted.length ? h("ol.alarm-list", {}, sorted.map((event) => queueItem(event, this)))
        : h("p.hint", {}, t("noAlarms")));
  }

  decorateTiles() {
    const byCamera = this.counts.by_camera ?? {};
    // Only real changes touch the DOM: this runs from a MutationObserver on the page it edits.
    document.querySelectorAll(".wall [data-camera]").forEach((tile) => {
      const per = byCamera[tile.dataset.camera];
      const count = per ? per.new + per.acknowledged : 0;
      let badge = tile.querySelector(":scope > .alarm-count");
      if (!count) { badge?.remove(); return; }
      if (!badge) { badge = h("span.alarm-count"); tile.append(badge); }
      const text = `🔔 ${count}`;
      if (badge.textContent !== text) badge.textContent = text;
      badge.title = `${per.new} ${t("newAlarms")}, ${per.acknowledged} ${t("inProgress")}`;
      badge.classList.toggle("has-new", per.new > 0);
    });
  }

  /** Ask for a note (closing) or acknowledge at once; errors go to a toast. */
  act(event, state) {
    if (state === "acknowledged") {
      this.review(event, state).catch((error) => toast(error.message, "error"));
      return;
    }
    openReviewDialog(event, state, (note) => this.review(event, state, note));
  }
}

export const alarms = new AlarmConsole();

/** The review state, history and actions of one event (the event page). */
export function reviewPanel(event, onChange) {
  if (!event.review_state) return "";
  const history = (event.reviews ?? []).map((step) => h("li", {},
    h("strong", {}, t(`review_${step.state}`)), ` · ${step.username} · ${formatDateTime(step.at)}`,
    step.note ? h("p.note", {}, step.note) : ""));
  const act = (state) => async () => {
    const done = (updated) => onChange(updated);
    if (state === "acknowledged") alarms.review(event, state).then(done).catch((error) => toast(error.message, "error"));
    else openReviewDialog(event, state, (note) => alarms.review(event, state, note).then(done));
  };
  const buttons = can(alarms.user, "alarms") ? h("div.actions", {},
    event.review_state === "new" ? h("button.primary.ack", { type: "button", onclick: act("acknowledged") }, t("acknowledge")) : "",
    event.review_state !== "false_alarm" ? h("button.ghost.false-alarm", { type: "button", onclick: act("false_alarm") }, t("falseAlarm")) : "",
    event.review_state !== "handled" ? h("button.ghost.handled", { type: "button", onclick: act("handled") }, t("handled")) : "") : "";
  return h("section.review.card", { dataset: { state: event.review_state } },
    h("h2", {}, `${t("reviewState")}: `, h(`span.review-state.state-${event.review_state}`, {}, t(`review_${event.review_state}`))),
    buttons,
    history.length ? h("div", {}, h("h3", {}, t("reviewHistory")), h("ol.review-history", {}, history)) : "");
}
