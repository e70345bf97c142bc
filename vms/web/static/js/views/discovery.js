// ONVIF discovery (admin, installer): scan a network interface (WS-Discovery), or type an address;
// test the connection with credentials (the server probes the camera itself), see a preview still,
// then register the camera. Passwords go to the server only and are never shown again.
import { getJson, sendJson, request } from "../api.js";
import { h, field, select, table, toast, CAMERA_ID_PATTERN } from "../dom.js";
import { t } from "../i18n.js";
import "../i18n/streams.js";
import "../i18n/security.js";

const DETECT_FPS = 5; // analysis rate when the server does not say (probe answer `detect_fps`): the sub stream needs no more

function profileFacts(profile) {
  const stream = (p) => `${p.encoding ?? "?"} ${p.width}×${p.height}${p.fps ? ` · ${p.fps} fps` : ""}`;
  const drift = profile.clock?.drift_s;
  const rows = [
    [t("manufacturer"), profile.info.manufacturer], [t("model"), profile.info.model], [t("firmware"), profile.info.firmware],
    [t("mainStream"), stream(profile.main)], [t("subStream"), stream(profile.sub)],
    [t("ptzSupported"), profile.ptz_supported ? t("yes") : t("no")],
    [t("clockDrift"), drift === null || drift === undefined ? "?" : `${drift.toFixed(1)} s`],
  ];
  // The addresses the device itself returned: the installer checks them before saving (a hostile
  // device could name another host; the server refuses those, and shows what it will open).
  const uris = [["main_uri", t("mainStream")], ["sub_uri", t("subStream")], ["snapshot_uri", t("snapshot")]]
    .map(([key, label]) => [label, h("code.device-uri", { dataset: { uri: key } }, profile[key] ?? "—")]);
  return h("div", {},
    h("dl.facts", {}, rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    h("h3", {}, t("confirmUris")),
    h("dl.facts.device-uris", {}, uris.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    profile.warnings?.length ? h("div.warnings", {}, h("strong", {}, t("warnings")),
      h("ul", {}, profile.warnings.map((w) => h("li", {}, w)))) : "");
}

/** The probe / preview / register card for one address. */
function deviceCard(device, onRegistered) {
  const credentials = () => ({ address: form.address.value.trim(), port: Number(form.port.value),
    username: form.username.value, password: form.password.value, allow_basic_http: form.allow_basic_http.checked });
  const result = h("div.probe-result");
  const error = h("p.error", { role: "alert" });
  const form = h("form.card.onvif-device", {},
    h("h2", {}, device?.name || device?.host || t("manual")),
    h("div.row", {},
      field(t("address"), h("input", { name: "address", required: true, value: device?.host ?? "", size: 18 })),
      field(t("port"), h("input", { name: "port", type: "number", min: 1, max: 65535, value: device?.port ?? 80 })),
      field(t("username"), h("input", { name: "username", autocomplete: "off" })),
      field(t("password"), h("input", { name: "password", type: "password", autocomplete: "new-password" })),
      h("button.primary.big", { type: "submit" }, t("probe"))),
    h("label.check", {}, h("input", { type: "checkbox", name: "allow_basic_http" }), " ", t("allowBasic")),
    error, result);
  form.addEventListener("submit", async (submit) => {
    submit.preventDefault();
    error.textContent = "";
    result.replaceChildren(h("p.hint", {}, t("loading")));
    try {
      const probe = await sendJson("POST", "/api/onvif/probe", credentials());
      const preview = h("img.snapshot", { alt: t("preview") });
      request("/api/onvif/snapshot", { method: "POST", body: credentials() })
        .then((r) => r.blob()).then((blob) => { preview.src = URL.createObjectURL(blob); }).catch(() => preview.remove());
      result.replaceChildren(h("div.event-layout", {}, preview, profileFacts(probe.profile)),
        probe.registered_camera_id ? h("p.hint", {}, `${t("registeredAs")}: ${probe.registered_camera_id}`)
          : registerForm(credentials, device, probe.profile, onRegistered, probe.detect_fps || DETECT_FPS));
    } catch (failure) {
      result.replaceChildren();
      error.textContent = failure.message;
    }
  });
  return form;
}

/** The offer to set the sub stream to the detect fps (every sub stream frame is decoded for analysis). */
function subFpsChoice(profile, detectFps) {
  if (!profile || profile.sub.token === profile.main.token) return "";
  const now = profile.sub.fps ? ` (${t("subFpsNow")} ${profile.sub.fps})` : "";
  return h("label.check", { title: t("subFpsHint") },
    h("input", { type: "checkbox", name: "sub_fps", checked: !profile.sub.fps || profile.sub.fps > detectFps }),
    `${t("subFps")} ${profile.sub.width}×${profile.sub.height}: ${detectFps} ${t("fpsUnit")}${now}`);
}

function registerForm(credentials, device, profile, onRegistered, detectFps = DETECT_FPS) {
  const error = h("p.error", { role: "alert" });
  const form = h("form.row.register", {},
    field(t("id"), h("input", { name: "id", required: true, pattern: CAMERA_ID_PATTERN, title: t("cameraIdHint"), maxlength: 48 })),
    field(t("name"), h("input", { name: "name", required: true, maxlength: 120, value: device?.name ?? "" })),
    field(t("location"), h("input", { name: "location", maxlength: 200, value: device?.location ?? "" })),
    field(t("retentionDays"), h("input", { name: "retention_days", type: "number", min: 1, max: 3650, value: 30 })),
    subFpsChoice(profile, detectFps),
    h("button.primary.big", { type: "submit" }, t("register")), error);
  form.addEventListener("submit", async (submit) => {
    submit.preventDefault();
    try {
      const saved = await sendJson("POST", "/api/onvif/register", { ...credentials(), id: form.elements.id.value,
        name: form.elements.name.value, location: form.elements.location.value,
        retention_days: Number(form.elements.retention_days.value), endpoint: device?.key ?? null,
        main_uri: profile.main_uri, sub_uri: profile.sub_uri, sub_fps: form.elements.sub_fps?.checked ? Math.min(detectFps, 30) : null });
      toast(saved.sub_fps_error ? `${t("registered")}. ${t("subFpsRefused")}` : t("registered"));
      onRegistered();
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
  return form;
}

async function render(root, ctx) {
  const interfaces = await getJson("/api/onvif/interfaces").catch(() => []);
  const chooser = select("interface", [["", t("anyInterface")], ...interfaces.map((i) => [i.ip, `${i.name} (${i.ip})`])], "");
  const found = h("div.table-wrap");
  const detail = h("div");
  const open = (device) => detail.replaceChildren(deviceCard(device, () => ctx.navigate("#/cameras")));
  const scan = h("button.primary.big", { type: "button", onclick: async () => {
    scan.disabled = true;
    found.replaceChildren(h("p.hint", {}, t("scanning")));
    try {
      const devices = await sendJson("POST", "/api/onvif/discover", { interface_ip: chooser.value || null, timeout_s: 3 });
      found.replaceChildren(devices.length ? table([t("name"), t("hardware"), t("address"), t("location"), ""],
        devices.map((d) => [d.name ?? "—", d.hardware ?? "—", `${d.host}:${d.port}`, d.location ?? "",
          d.registered_camera_id ? `${t("registeredAs")} ${d.registered_camera_id}`
            : h("button.ghost", { type: "button", onclick: () => open(d) }, t("probe"))])) : h("p.hint", {}, t("noDevices")));
    } catch (failure) {
      found.replaceChildren(h("p.error", { role: "alert" }, failure.message));
    } finally {
      scan.disabled = false;
    }
  } }, t("discover"));
  root.append(h("div.toolbar", {}, h("h1", {}, t("nav_discovery"))),
    h("div.card.row", {}, field(t("interface"), chooser), scan,
      h("button.ghost.big", { type: "button", onclick: () => open(null) }, t("manual"))),
    found, detail);
}

export default { menu: true, capability: "onvif", render };
