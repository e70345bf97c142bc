// The alarm console's pieces on screen: the banner, one queue entry, the note dialog for closing.
import { h, field } from "./dom.js";
import { t, code } from "./i18n.js";
import { formatClock, formatDateTime } from "./time.js";

function where(event) { return event.camera_name ?? event.camera_id ?? ""; }

function actions(event, console_) {
  if (!console_.reviewer) return h("div.actions", {}, h("a.button.ghost", { href: `#/events/${event.id}` }, t("openEvent")));
  const button = (cls, state, text) => h(`button.${cls}`, { type: "button", onclick: () => console_.act(event, state) }, text);
  return h("div.actions", {},
    event.review_state === "new" ? button("primary.ack", "acknowledged", t("acknowledge")) : "",
    h("a.button.ghost.open", { href: `#/events/${event.id}`, onclick: () => console_.toggleDrawer(false) }, t("openEvent")),
    button("ghost.false-alarm", "false_alarm", t("falseAlarm")),
    button("ghost.handled", "handled", t("handled")));
}

function soundButton(console_) {
  const sound = console_.sound;
  const state = sound.state;
  const text = state === "blocked" ? t("soundBlocked") : state === "muted" ? t("soundMuted") : t("soundOn");
  return h(`button.ghost.sound.sound-${state}`, { type: "button", title: t("soundOff"),
    onclick: () => (state === "blocked" ? sound.unlock() : sound.setMuted(!sound.muted)) },
  `${state === "muted" ? "🔇" : "🔊"} ${text}`);
}

/** The red banner for the newest unacknowledged alarm; hidden when none rings. */
export function renderBanner(el, ringing, console_) {
  if (!el) return;
  el.hidden = ringing.length === 0;
  const sound = console_.sound;
  el.dataset.sound = sound.state;
  el.dataset.beeps = String(sound.beeps);
  el.dataset.audio = sound.ctx?.state ?? "none";
  if (!ringing.length) { el.replaceChildren(); return; }
  const event = ringing[0];
  el.dataset.event = String(event.id);
  el.replaceChildren(
    h("div.banner-text", {},
      h("strong.banner-type", {}, `⚠ ${code("type", event.type)}`),
      h("span", {}, where(event)),
      h("time", { title: formatDateTime(event.start) }, formatClock(event.start)),
      ringing.length > 1 ? h("span.more", {}, `+${ringing.length - 1} ${t("moreAlarms")}`) : ""),
    actions(event, console_),
    console_.reviewer ? soundButton(console_) : "");
}

/** One entry of the queue (drawer and the alarms page). */
export function queueItem(event, console_) {
  const thumb = event.has_snapshot ? h("img", { src: `/api/events/${event.id}/snapshot.jpg`, alt: "", loading: "lazy" }) : "";
  const last = event.reviews?.[event.reviews.length - 1];
  return h(`li.alarm-item.level-${event.alarm_level}.state-${event.review_state}`, { dataset: { event: event.id } },
    h("div.thumb", {}, thumb),
    h("div.alarm-body", {},
      h("strong", {}, code("type", event.type)),
      h("span.review-state", {}, t(`review_${event.review_state}`)),
      h("div", {}, `${where(event)} · ${formatDateTime(event.start)}`),
      last ? h("div.hint", {}, `${last.username}: ${last.note || t(`review_${last.state}`)}`) : "",
      actions(event, console_)));
}

/** Ask for the note that closes an alarm (false alarm or handled), then `submit(note)`. */
export function openReviewDialog(event, state, submit) {
  const note = h("textarea", { name: "note", rows: 4, maxlength: 2000, required: true });
  const error = h("p.error", { role: "alert" });
  const form = h("form.review-form", { method: "dialog", noValidate: true }, // our own message, in the chosen language
    h("h2", {}, `${t(state === "false_alarm" ? "falseAlarm" : "handled")}: ${code("type", event.type)} · ${where(event)}`),
    field(t("reviewNote"), note), error,
    h("div.actions", {}, h("button.ghost", { type: "button", onclick: () => dialog.close() }, t("cancel")),
      h("button.primary", { type: "submit" }, t("save"))));
  const dialog = h("dialog.review-dialog", {}, form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!note.value.trim()) { error.textContent = t("noteRequired"); return; }
    try {
      await submit(note.value.trim());
      dialog.close();
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  note.focus();
}

