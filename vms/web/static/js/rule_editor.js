// The visual rule editor of the camera dialog: zones and directional lines drawn on the camera's
// current picture. Geometry is in MAIN-stream pixels (detectors/rules/config.py): the SVG overlay's
// viewBox is the main stream's size, so a click maps to main px whatever size the picture is shown at.
import { h, field, select } from "./dom.js";
import { t, code } from "./i18n.js";
import "./i18n/alarms.js";

const SVG = "http://www.w3.org/2000/svg";
const DRAWN = ["intrusion", "loitering", "line_crossing", "wrong_way"];
const ZONE_TYPES = new Set(["intrusion", "loitering", "wrong_way"]);
const SCHEDULED = new Set(["intrusion", "loitering"]);
const NAME = /^[A-Za-z0-9_.-]+$/;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;
// Lane directions offered for wrong-way rules, as image vectors (y grows downwards).
const LANE = { right: [1, 0], left: [-1, 0], down: [0, 1], up: [0, -1] };
// What a camera runs when nothing was configured (vms.config: default hit_and_run + tamper).
const DEFAULT_RULES = [{ type: "hit_and_run", name: "hit_and_run" }, { type: "tamper", name: "tamper" }];

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  return el;
}

const round = (v) => Math.round(v * 10) / 10;

/** editor(camera) -> { el, changed(), rules() }: the section to put into the camera dialog. */
export function ruleEditor(camera) {
  const status = camera.status ?? {};
  let width = status.width || 0;
  let height = status.height || 0;
  let rules = structuredClone(camera.detection?.rules ?? DEFAULT_RULES);
  let changed = false;
  let points = [];

  const overlay = svg("svg", { class: "rule-overlay", preserveAspectRatio: "none" });
  const picture = h("img.rule-picture", { alt: "", src: `/api/cameras/${encodeURIComponent(camera.id)}/snapshot.jpg?n=${Date.now()}` });
  const stage = h("div.rule-stage", {}, picture, overlay);
  const list = h("ul.rule-list");
  const error = h("p.error.rule-error", { role: "alert" });
  const typeSelect = select("rule_type", DRAWN.map((type) => [type, code("type", type)]), "intrusion");
  const nameInput = h("input", { name: "rule_name", maxlength: 64, size: 16, placeholder: "cong-truong" });
  const scheduleInput = h("input", { name: "rule_schedule", size: 12, placeholder: "22:00-05:00", title: t("ruleScheduleHint") });
  const directionSelect = select("rule_direction", [["both", t("dirBoth")], ["in", t("dirIn")], ["out", t("dirOut")]], "both");
  const laneSelect = select("rule_lane", Object.keys(LANE).map((k) => [k, t(`lane_${k}`)]), "right");
  const hint = h("p.hint.rule-hint");

  function setSize(w, h_) {
    width = w; height = h_;
    overlay.setAttribute("viewBox", `0 0 ${width} ${height}`);
    overlay.dataset.size = `${width}x${height}`;
    stage.style.aspectRatio = `${width} / ${height}`;
    draw();
  }
  picture.addEventListener("load", () => { if (!width || !height) setSize(picture.naturalWidth, picture.naturalHeight); });
  picture.addEventListener("error", () => { picture.hidden = true; stage.classList.add("no-picture"); if (!width) setSize(1920, 1080); });
  if (width && height) setSize(width, height);

  function toMain(event) {
    const box = overlay.getBoundingClientRect();
    return [round(((event.clientX - box.left) / box.width) * width), round(((event.clientY - box.top) / box.height) * height)];
  }

  function shape(rule, drafted = false) {
    const cls = `rule-shape type-${rule.type}${drafted ? " draft" : ""}`;
    const g = svg("g", { class: cls, "data-rule": rule.name ?? "" });
    const stroke = Math.max(2, width / 400);
    if (rule.polygon) {
      g.append(svg(drafted ? "polyline" : "polygon", { points: rule.polygon.map((p) => p.join(",")).join(" "),
        "stroke-width": stroke }));
    }
    if (rule.line) {
      const [[x1, y1], [x2, y2]] = rule.line;
      g.append(svg("line", { x1, y1, x2, y2, "stroke-width": stroke }));
      if (rule.direction && rule.direction !== "both") {
        // The "in" side is to the left of start->end in image coordinates (y down): normal (dy, -dx).
        const [mx, my] = [(x1 + x2) / 2, (y1 + y2) / 2];
        const len = Math.hypot(x2 - x1, y2 - y1) || 1;
        const sign = rule.direction === "in" ? 1 : -1;
        const [nx, ny] = [sign * (y2 - y1) / len, sign * -(x2 - x1) / len];
        const arrow = Math.max(20, width / 30);
        g.append(svg("line", { class: "arrow", x1: mx + nx * arrow, y1: my + ny * arrow, x2: mx - nx * arrow, y2: my - ny * arrow,
          "stroke-width": stroke, "marker-end": "url(#rule-arrow)" }));
      }
    }
    for (const [x, y] of rule.polygon ?? rule.line ?? []) {
      if (drafted) g.append(svg("circle", { cx: x, cy: y, r: stroke * 2 }));
    }
    if (rule.name && (rule.polygon || rule.line)) {
      const [x, y] = (rule.polygon ?? rule.line)[0];
      const label = svg("text", { x, y: y - stroke * 3, "font-size": Math.max(14, width / 60) });
      label.textContent = rule.name;
      g.append(label);
    }
    return g;
  }

  function draw() {
    const defs = svg("defs");
    const marker = svg("marker", { id: "rule-arrow", viewBox: "0 0 10 10", refX: 5, refY: 5, markerWidth: 4, markerHeight: 4,
      orient: "auto-start-reverse" });
    marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z" }));
    defs.append(marker);
    overlay.replaceChildren(defs, ...rules.filter((r) => r.polygon || r.line).map((r) => shape(r)));
    if (points.length) {
      const draft = ZONE_TYPES.has(typeSelect.value) ? { type: typeSelect.value, polygon: points }
        : { type: typeSelect.value, line: points.length === 2 ? points : [points[0], points[0]] };
      overlay.append(shape(draft, true));
    }
    list.replaceChildren(...rules.map((rule, index) => h("li", { dataset: { rule: rule.name, type: rule.type } },
      h("strong", {}, rule.name), ` · ${code("type", rule.type)}`,
      rule.schedule ? ` · ${rule.schedule}` : "", rule.type === "line_crossing" ? ` · ${t(`dir${cap(rule.direction ?? "both")}`)}` : "",
      h("button.ghost.remove-rule", { type: "button", onclick: () => { rules.splice(index, 1); changed = true; draw(); } },
        t("delete")))));
    const needed = ZONE_TYPES.has(typeSelect.value) ? t("ruleHintZone") : t("ruleHintLine");
    hint.textContent = `${needed} (${points.length})`;
  }

  overlay.addEventListener("click", (event) => {
    if (!width) return;
    if (!ZONE_TYPES.has(typeSelect.value) && points.length >= 2) points = [];
    points.push(toMain(event));
    draw();
  });

  function fieldsFor() {
    scheduleBox.hidden = !SCHEDULED.has(typeSelect.value);
    directionBox.hidden = typeSelect.value !== "line_crossing";
    laneBox.hidden = typeSelect.value !== "wrong_way";
    points = [];
    draw();
  }
  typeSelect.addEventListener("change", fieldsFor);

  function addRule() {
    error.textContent = "";
    const type = typeSelect.value;
    const name = nameInput.value.trim();
    if (!NAME.test(name)) { error.textContent = t("ruleNameInvalid"); return; }
    if (rules.some((r) => r.name === name)) { error.textContent = t("ruleNameTaken"); return; }
    const rule = { type, name };
    if (ZONE_TYPES.has(type)) {
      if (points.length < 3) { error.textContent = t("ruleNeedsZone"); return; }
      rule.polygon = points;
    } else {
      if (points.length !== 2) { error.textContent = t("ruleNeedsLine"); return; }
      rule.line = points;
      rule.direction = directionSelect.value;
    }
    if (SCHEDULED.has(type) && scheduleInput.value.trim()) {
      if (!HHMM.test(scheduleInput.value.trim())) { error.textContent = t("ruleScheduleHint"); return; }
      rule.schedule = scheduleInput.value.trim();
    }
    if (type === "wrong_way") rule.direction = LANE[laneSelect.value];
    rules.push(rule);
    changed = true;
    points = [];
    nameInput.value = "";
    draw();
  }

  const scheduleBox = field(t("ruleSchedule"), scheduleInput);
  const directionBox = field(t("ruleDirection"), directionSelect);
  const laneBox = field(t("ruleLane"), laneSelect);
  const el = h("fieldset.rule-editor", {},
    h("legend", {}, t("ruleEditor")),
    stage,
    h("div.row.rule-tools", {}, field(t("ruleType"), typeSelect), field(t("ruleName"), nameInput), scheduleBox, directionBox,
      laneBox),
    hint,
    h("div.actions", {},
      h("button.ghost.undo-point", { type: "button", onclick: () => { points.pop(); draw(); } }, t("ruleUndoPoint")),
      h("button.ghost.clear-points", { type: "button", onclick: () => { points = []; draw(); } }, t("ruleClearPoints")),
      h("button.add-rule", { type: "button", onclick: addRule }, t("ruleAdd"))),
    error,
    list);
  fieldsFor();
  return { el, changed: () => changed, rules: () => rules };
}

function cap(s) { return s.charAt(0).toUpperCase() + s.slice(1); }
