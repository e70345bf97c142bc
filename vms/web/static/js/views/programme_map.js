// The commune map, offline: the commune's own map image with a pin per camera (colour = live status),
// pins placed by click or drag (admin, installer); a layout drawn from GPS positions; GeoJSON export.
import { getJson, sendJson, sendFile } from "../api.js";
import { h, toast } from "../dom.js";
import { t, code } from "../i18n.js";
import "../i18n/records.js";

const SVG = "http://www.w3.org/2000/svg";
const REFRESH_MS = 15000;
const esc = encodeURIComponent;

function pinElement(pin, onOpen) {
  return h(`button.pin.${pin.live_status}.prog-${pin.status}`, { type: "button", title: `${pin.name} · ${code("live_status", pin.live_status)}`,
    dataset: { camera: pin.camera_id }, "aria-label": `${pin.name}: ${code("live_status", pin.live_status)}`,
    onclick: () => onOpen(pin) }, h("span.pin-label", {}, pin.name));
}

function place(el, pin) {
  el.style.left = `${pin.map_x * 100}%`;
  el.style.top = `${pin.map_y * 100}%`;
}

/** Drag a pin over the image; on release the new position is saved. */
function draggable(el, pin, image, save) {
  let moved = false;
  el.addEventListener("pointerdown", (down) => {
    down.preventDefault();
    el.setPointerCapture(down.pointerId);
    moved = false;
    const move = (event) => {
      const box = image.getBoundingClientRect();
      pin.map_x = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      pin.map_y = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height));
      moved = true;
      place(el, pin);
    };
    const up = () => {
      el.removeEventListener("pointermove", move);
      if (moved) save(pin);
    };
    el.addEventListener("pointermove", move);
    el.addEventListener("pointerup", up, { once: true });
  });
  el.addEventListener("click", (click) => { if (moved) { click.stopImmediatePropagation(); moved = false; } }, true);
}

function gpsLayout(pins, onOpen) {
  const located = pins.filter((p) => p.latitude !== null && p.longitude !== null);
  if (!located.length) return null;
  const lats = located.map((p) => p.latitude), lons = located.map((p) => p.longitude);
  const pad = 0.0008;
  const [south, north] = [Math.min(...lats) - pad, Math.max(...lats) + pad];
  const [west, east] = [Math.min(...lons) - pad, Math.max(...lons) + pad];
  const scale = Math.cos(((south + north) / 2) * Math.PI / 180); // metres per degree of longitude shrink with latitude
  const width = 800, height = Math.max(240, Math.min(800, width * (north - south) / ((east - west) * scale)));
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("class", "gps-layout");
  for (const p of located) {
    const x = ((p.longitude - west) / (east - west)) * width;
    const y = ((north - p.latitude) / (north - south)) * height;
    const g = document.createElementNS(SVG, "g");
    g.setAttribute("class", `gps-pin ${p.live_status}`);
    g.setAttribute("data-camera", p.camera_id);
    g.setAttribute("tabindex", "0");
    g.addEventListener("click", () => onOpen(p));
    const dot = document.createElementNS(SVG, "circle");
    Object.entries({ cx: x, cy: y, r: 8 }).forEach(([k, v]) => dot.setAttribute(k, v));
    const label = document.createElementNS(SVG, "text");
    Object.entries({ x: x + 11, y: y + 4 }).forEach(([k, v]) => label.setAttribute(k, v));
    label.textContent = `${p.name}${p.hamlet ? ` · ${p.hamlet}` : ""}`;
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${p.name} · ${code("live_status", p.live_status)} · ${p.latitude}, ${p.longitude}`;
    g.append(title, dot, label);
    svg.append(g);
  }
  return svg;
}

async function uploadMap(refresh) {
  const picker = h("input", { type: "file", accept: "image/png,image/jpeg" });
  picker.addEventListener("change", async () => {
    if (!picker.files[0]) return;
    try {
      await sendFile("PUT", "/api/records/map/image", picker.files[0]);
      toast(t("saved"));
      refresh();
    } catch (failure) {
      toast(failure.message, "error");
    }
  });
  picker.click();
}

function mapImage(data, editing, onOpen, status) {
  const image = h("img.site-map", { src: `/api/records/map/image?v=${data.map.id}`, alt: t("nav_programme_map"),
    draggable: false });
  const layer = h("div.map-layer", {}, image);
  const pins = new Map();
  let placing = null;
  const save = async (pin) => {
    try {
      await sendJson("PUT", `/api/records/cameras/${esc(pin.camera_id)}/position`, { map_x: pin.map_x, map_y: pin.map_y });
      toast(t("saved"));
    } catch (failure) {
      toast(failure.message, "error");
    }
  };
  const show = (pin) => {
    const el = pinElement(pin, onOpen);
    place(el, pin);
    if (editing) draggable(el, pin, image, save);
    layer.append(el);
    pins.set(pin.camera_id, el);
  };
  data.pins.filter((p) => p.map_x !== null).forEach(show);
  layer.addEventListener("click", async (click) => {
    if (!placing || click.target !== image) return;
    const box = image.getBoundingClientRect();
    placing.map_x = (click.clientX - box.left) / box.width;
    placing.map_y = (click.clientY - box.top) / box.height;
    const pin = placing;
    placing = null;
    status.textContent = "";
    await save(pin);
    show(pin);
    document.querySelector(`[data-unplaced="${CSS.escape(pin.camera_id)}"]`)?.remove();
  });
  const startPlacing = (pin) => { placing = pin; status.textContent = `${t("placing")}: ${pin.name}`; };
  return { layer, pins, startPlacing };
}

function recolour(pins, fresh) {
  for (const pin of fresh) {
    const el = pins.get(pin.camera_id);
    if (!el) continue;
    el.classList.remove("online", "offline", "disabled", "not_connected");
    el.classList.add(pin.live_status);
    el.title = `${pin.name} · ${code("live_status", pin.live_status)}`;
  }
}

async function render(root, ctx) {
  const data = await getJson("/api/records/map");
  const editing = ctx.can("records_edit");
  const open = (pin) => ctx.navigate(`#/programme/${esc(pin.camera_id)}`);
  const refresh = () => ctx.navigate(`#/programme_map?n=${Date.now()}`);
  const status = h("p.placing", { role: "status" });
  const legend = h("p.legend", {}, `${t("legend")}: `, ["online", "offline", "disabled", "not_connected"].map((s) =>
    h(`span.legend-dot.${s}`, {}, code("live_status", s))));
  root.append(h("div.toolbar", {}, h("h1", {}, t("nav_programme_map")),
    editing ? h("button.primary", { type: "button", onclick: () => uploadMap(refresh) }, t("uploadMap")) : "",
    h("a.button.ghost", { href: "/api/records/geojson", download: "cameras.geojson" }, t("downloadGeojson"))),
  h("p.hint", {}, t("mapHelp")), legend, status);
  let timer = null;
  if (data.map) {
    const view = mapImage(data, editing, open, status);
    root.append(h("div.map-frame.card", {}, view.layer));
    const unplaced = data.pins.filter((p) => p.map_x === null);
    if (unplaced.length) {
      root.append(h("section.card", {}, h("h2", {}, t("unplaced")), h("ul.unplaced", {}, unplaced.map((p) =>
        h("li", { dataset: { unplaced: p.camera_id } }, `${p.name} (${p.camera_id}) `,
          editing ? h("button.ghost", { type: "button", onclick: () => view.startPlacing(p) }, t("placeCamera")) : "")))));
    }
    timer = setInterval(async () => recolour(view.pins, (await getJson("/api/records/map")).pins), REFRESH_MS);
  } else {
    root.append(h("p.card", {}, t("noMap")));
  }
  const layout = gpsLayout(data.pins, open);
  if (layout) root.append(h("section.card", {}, h("h2", {}, t("gpsLayout")), layout));
  return () => clearInterval(timer);
}

export default { menu: true, capability: "records", render };
