// The alarm queue as a page: unhandled alarms (new first) with their actions, and the alarms closed
// in the last 24 hours with who closed them and why. Updates live from the push stream.
import { getPage } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { alarms } from "../alarms.js";
import { queueItem } from "../alarms_ui.js";

const DAY = 24 * 3600_000;

async function render(root) {
  const open = h("ol.alarm-list.open-alarms", { "aria-live": "polite" });
  const closed = h("ol.alarm-list.closed-alarms");
  root.append(h("div.toolbar", {}, h("h1", {}, t("alarmQueue"))), open,
    h("h2", {}, t("closedRecently")), closed);
  const drawOpen = () => {
    const items = [...alarms.queue.values()].sort((a, b) => Number(b.review_state === "new")
      - Number(a.review_state === "new") || Date.parse(b.start) - Date.parse(a.start));
    open.replaceChildren(...(items.length ? items.map((e) => queueItem(e, alarms)) : [h("p.hint", {}, t("noAlarms"))]));
  };
  const drawClosed = async () => {
    if (!alarms.reviewer && !alarms.user) return;
    const page = await getPage("/api/events", { review_state: ["false_alarm", "handled"],
      start: new Date(Date.now() - DAY), limit: 50 }).catch(() => ({ items: [] }));
    closed.replaceChildren(...(page.items.length ? page.items.map((e) => queueItem(e, alarms))
      : [h("p.hint", {}, t("noResults"))]));
  };
  drawOpen();
  if (alarms.reviewer) await drawClosed();
  const off = alarms.onEvent((event) => {
    drawOpen();
    if (!["new", "acknowledged"].includes(event.review_state) && alarms.reviewer) drawClosed();
  });
  return off;
}

export default { menu: true, capability: "events", render };
