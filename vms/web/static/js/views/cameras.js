// Camera management (admin, installer): list with status; add, edit, disable. Passwords are write-only.
import { getJson, sendJson } from "../api.js";
import { h, field, select, table, toast, CAMERA_ID_PATTERN } from "../dom.js";
import "../i18n/security.js";
import { t } from "../i18n.js";
import "../i18n/streams.js";
import { formatDateTime } from "../time.js";
import { ruleEditor } from "../rule_editor.js";

const SOURCE_FIELDS = {
  rtsp: (s) => [
    field(t("url"), h("input", { name: "url", value: s.url ?? "", placeholder: "rtsp://192.168.1.64:554/stream1", size: 40 })),
    field(t("transport"), select("transport", [["tcp", "TCP"], ["udp", "UDP"]], s.transport ?? "tcp")),
    field(t("username"), h("input", { name: "username", value: s.username ?? "", autocomplete: "off" })),
    field(`${t("password")} (${t("keepPassword")})`, h("input", { name: "password", type: "password", autocomplete: "new-password" })),
    field(t("subUrl"), h("input", { name: "sub_url", value: s.sub ?? "", placeholder: "rtsp://192.168.1.64:554/stream2",
      size: 40, title: t("subUrlHint") })),
  ],
  file: (s) => [
    field(t("path"), h("input", { name: "path", value: s.path ?? "", size: 40 })),
    h("label.check", {}, h("input", { type: "checkbox", name: "loop", checked: Boolean(s.loop) }), t("loop")),
    field(t("subPath"), h("input", { name: "sub_path", value: s.sub ?? "", size: 40 })),
  ],
  sim: (s) => [
    field(t("scene"), h("input", { name: "scene", value: s.scene ?? "street_day" })),
    field(t("seed"), h("input", { name: "seed", type: "number", min: 0, value: s.seed ?? 0 })),
    h("label.check", {}, h("input", { type: "checkbox", name: "sim_sub", checked: s.sub !== null }), t("simSub")),
  ],
};

const ANALYSIS_STREAMS = () => [["auto", t("analysisAuto")], ["main", t("analysisMain")], ["sub", t("analysisSub")]];

/** What the camera analyses right now, from its status: "Luồng phụ 640×360", or why it cannot. */
function analysisCell(camera) {
  const s = camera.status;
  if (!camera.enabled || !s || !s.analysis_stream) return "—";
  const which = s.analysis_stream === "sub" ? t("analysisSub") : t("analysisMain");
  if (!s.analysis_online) return h("span.badge.offline", { title: s.analysis_error || "" }, `${which}: ${t("offline")}`);
  return h("span.badge.online", {}, `${which} ${s.analysis_width}×${s.analysis_height}`);
}

function sourceBody(form, kind) {
  const v = (name) => form.elements[name]?.value ?? "";
  if (kind === "rtsp") {
    const source = { type: "rtsp", url: v("url"), transport: v("transport"), username: v("username") || null,
      sub_url: v("sub_url") || null };
    if (v("password")) source.password = v("password");
    return source;
  }
  if (kind === "file") return { type: "file", path: v("path"), loop: form.elements.loop.checked, sub_path: v("sub_path") || null };
  return { type: "sim", scene: v("scene"), seed: Number(v("seed")), sub: form.elements.sim_sub.checked };
}

/** The add/edit dialog; `camera` is null for a new one. Resolves true when saved. */
function editDialog(camera) {
  const kind = camera?.source_kind ?? "rtsp";
  const current = camera ? { url: camera.source_location, path: camera.source_location, scene: camera.source_location,
    username: camera.username, sub: camera.sub_location } : {};
  const sourceBox = h("div.source-fields", {}, SOURCE_FIELDS[kind](current));
  const kindSelect = select("kind", [["rtsp", "RTSP"], ["file", "File"], ["sim", "Sim"]], kind,
    { onchange: () => sourceBox.replaceChildren(...SOURCE_FIELDS[kindSelect.value]({})) });
  const error = h("p.error", { role: "alert" });
  const rules = camera ? ruleEditor(camera) : null; // zones and lines drawn on the camera's picture
  const form = h("form.camera-form", { method: "dialog" },
    h("h2", {}, camera ? t("editCamera") : t("addCamera")),
    h("div.row", {},
      field(t("id"), h("input", { name: "id", value: camera?.id ?? "", required: true, pattern: CAMERA_ID_PATTERN, title: t("cameraIdHint"),
        readOnly: Boolean(camera), maxlength: 48 })),
      field(t("name"), h("input", { name: "name", value: camera?.name ?? "", required: true, maxlength: 120 })),
      field(t("location"), h("input", { name: "location", value: camera?.location ?? "", maxlength: 200 }))),
    h("div.row", {}, field(t("sourceType"), kindSelect), sourceBox),
    h("div.row", {}, field(t("analysisStream"), select("analysis_stream", ANALYSIS_STREAMS(), camera?.analysis_stream ?? "auto",
      { title: t("analysisStreamHint") }))),
    camera?.has_credentials ? h("p.hint", {}, t("reenterCredentials")) : "",
    h("div.row", {},
      field(t("retentionDays"), h("input", { name: "retention_days", type: "number", min: 1, max: 3650, step: "any",
        value: camera?.retention_days ?? 30 })),
      camera ? field(t("retentionReason"), h("input", { name: "retention_reason", maxlength: 500, size: 30 })) : "",
      h("label.check", {}, h("input", { type: "checkbox", name: "enabled", checked: camera?.enabled ?? true }), t("enabled"))),
    rules ? rules.el : "",
    error,
    h("div.actions", {}, h("button.ghost", { type: "button", onclick: () => dialog.close() }, t("cancel")),
      h("button.primary", { type: "submit" }, t("save"))));
  const dialog = h("dialog.camera-dialog", {}, form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    let saved = false;
    form.addEventListener("submit", async (submit) => {
      submit.preventDefault();
      const body = { name: form.elements.name.value, location: form.elements.location.value,
        retention_days: Number(form.elements.retention_days.value), enabled: form.elements.enabled.checked,
        analysis_stream: form.elements.analysis_stream.value };
      if (form.elements.retention_reason?.value) body.retention_reason = form.elements.retention_reason.value;
      // An unchanged source is left out of an edit, so the stored password is kept.
      const sourceTouched = !camera || kindSelect.value !== camera.source_kind || [...sourceBox.querySelectorAll("input")]
        .some((input) => (input.type === "checkbox" ? input.checked !== input.defaultChecked : input.value !== input.defaultValue));
      if (sourceTouched) body.source = sourceBody(form, kindSelect.value);
      if (rules?.changed()) body.detection = { ...(camera.detection ?? {}), rules: rules.rules() };
      try {
        if (camera) await sendJson("PATCH", `/api/cameras/${encodeURIComponent(camera.id)}`, body);
        else await sendJson("POST", "/api/cameras", { id: form.elements.id.value, ...body });
        saved = true;
        dialog.close();
      } catch (failure) {
        error.textContent = failure.message;
      }
    });
    dialog.addEventListener("close", () => { dialog.remove(); resolve(saved); });
    dialog.showModal();
  });
}

function cameraRow(camera, refresh) {
  const online = camera.status?.online;
  const status = !camera.enabled ? h("span.badge.disabled", {}, t("disabled"))
    : h(`span.badge.${online ? "online" : "offline"}`, {}, online ? t("online") : t("offline"));
  const edit = async () => {
    // The form shows what is stored now, not the row as it was drawn: a save a moment ago (its list
    // refresh still on its way) or another admin's change would otherwise be undone by this edit.
    const current = await getJson(`/api/cameras/${encodeURIComponent(camera.id)}`).catch(() => camera);
    if (await editDialog(current)) { toast(t("saved")); refresh(); }
  };
  const remove = async () => {
    if (!confirm(`${camera.name}: ${t("confirmDelete")}`)) return;
    await sendJson("DELETE", `/api/cameras/${encodeURIComponent(camera.id)}`).catch((e) => toast(e.message, "error"));
    refresh();
  };
  return [camera.id, camera.name, camera.location, `${camera.source_kind}: ${camera.source_location}`,
    status, analysisCell(camera), camera.status?.last_frame_at ? formatDateTime(camera.status.last_frame_at) : "—",
    String(camera.retention_days),
    h("span.actions", {}, h("button.ghost", { type: "button", onclick: edit }, t("edit")),
      camera.enabled ? h("button.danger", { type: "button", onclick: remove }, t("delete")) : "")];
}

async function render(root) {
  const list = h("div.table-wrap");
  const refresh = async () => {
    const cameras = await getJson("/api/cameras");
    list.replaceChildren(table([t("id"), t("name"), t("location"), t("source"), t("status"), t("analysisStream"), t("lastFrame"),
      t("retentionDays"), ""], cameras.map((camera) => cameraRow(camera, refresh))));
  };
  root.append(h("div.toolbar", {}, h("h1", {}, t("nav_cameras")),
    h("button.primary.big", { type: "button", onclick: async () => { if (await editDialog(null)) refresh(); } },
      t("addCamera"))), list);
  await refresh();
}

export default { menu: true, capability: "cameras", render };
