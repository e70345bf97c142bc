// Saved wall views (server-side, per user): choose, save, save as, delete, and the second-monitor
// link that opens a view full-window without the page's menus (`#/wall?view=ID&kiosk=1`).
import { getJson, sendJson } from "../api.js";
import { h, field, toast } from "../dom.js";
import { t } from "../i18n.js";

export const LAYOUTS = [1, 4, 9, 16];

export function kioskHash(viewId) {
  return viewId ? `#/wall?view=${viewId}&kiosk=1` : "#/wall?kiosk=1";
}

/** Ask for a view name in a small dialog; resolves the name or null. */
function askName(initial = "") {
  return new Promise((resolve) => {
    const input = h("input", { name: "name", required: true, maxlength: 60, value: initial, autocomplete: "off" });
    const form = h("form", { method: "dialog" }, h("h2", {}, t("saveViewAs")), field(t("viewName"), input),
      h("div.actions", {},
        h("button.ghost", { type: "button", onclick: () => { dialog.close(); } }, t("cancel")),
        h("button.primary", { type: "submit" }, t("save"))));
    const dialog = h("dialog.view-name-dialog", { "aria-label": t("saveViewAs") }, form);
    let answer = null;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      answer = input.value.trim() || null;
      dialog.close();
    });
    dialog.addEventListener("close", () => { dialog.remove(); resolve(answer); });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}

/**
 * The toolbar part for saved views. `wall` gives {arrangement(): {layout, cameras}, apply(view)}.
 * Returns {el, load(selectedId), selectedId()}.
 */
export function viewControls(wall) {
  let views = [];
  const chooser = h("select", { name: "view", "aria-label": t("savedViews"),
    onchange: () => {
      const view = views.find((v) => String(v.id) === chooser.value);
      wall.apply(view ?? null);
    } });
  const save = h("button.ghost", { type: "button", dataset: { action: "save-view" }, onclick: () => saveCurrent() },
    t("saveView"));
  const saveAs = h("button.ghost", { type: "button", dataset: { action: "save-view-as" }, onclick: () => saveAsNew() },
    t("saveViewAs"));
  const remove = h("button.ghost", { type: "button", dataset: { action: "delete-view" }, onclick: () => removeCurrent() },
    t("deleteView"));
  const monitor = h("a.button.ghost", { dataset: { action: "second-monitor" }, target: "_blank", rel: "noopener",
    title: t("secondMonitorHint"), onclick: (event) => { event.preventDefault(); openSecondMonitor(); } },
  t("secondMonitor"));

  const selectedId = () => (chooser.value ? Number(chooser.value) : null);

  function fill(selected) {
    chooser.replaceChildren(new Option(t("currentArrangement"), ""),
      ...views.map((view) => new Option(view.name, String(view.id))));
    chooser.value = selected && views.some((v) => v.id === selected) ? String(selected) : "";
    remove.disabled = !chooser.value;
    monitor.href = kioskHash(selectedId());
  }

  async function load(selected = selectedId()) {
    views = await getJson("/api/wall/views");
    fill(selected);
    return views;
  }

  async function saveCurrent() {
    const id = selectedId();
    if (!id) { await saveAsNew(); return; }
    const current = views.find((v) => v.id === id);
    try {
      await sendJson("PUT", `/api/wall/views/${id}`, { name: current.name, ...wall.arrangement() });
      toast(t("viewSaved"));
      await load(id);
    } catch (error) { toast(error.message, "error"); }
  }

  async function saveAsNew() {
    const name = await askName();
    if (!name) return;
    try {
      const view = await sendJson("POST", "/api/wall/views", { name, ...wall.arrangement() });
      toast(t("viewSaved"));
      await load(view.id);
      wall.apply(view, { keepTiles: true });
    } catch (error) { toast(error.message, "error"); }
  }

  async function removeCurrent() {
    const id = selectedId();
    if (!id || !window.confirm(t("confirmDeleteView"))) return;
    try {
      await sendJson("DELETE", `/api/wall/views/${id}`);
      await load(null);
      wall.apply(null, { keepTiles: true });
    } catch (error) { toast(error.message, "error"); }
  }

  function openSecondMonitor() {
    const url = `${location.origin}${location.pathname}${kioskHash(selectedId())}`;
    const features = `popup,width=${screen.availWidth},height=${screen.availHeight}`;
    window.open(url, `vms-wall-${selectedId() ?? "current"}`, features);
  }

  const el = h("div.view-controls", {}, chooser, save, saveAs, remove, monitor);
  return { el, load, selectedId, select: (id) => fill(id) };
}
