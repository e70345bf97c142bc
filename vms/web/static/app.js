// VMS ANTT web page: login, camera wall with live status, events and playback.
// Vietnamese first; the English switch is remembered in localStorage.
"use strict";

const TEXT = {
  vi: {
    title: "Camera giám sát ANTT", login: "Đăng nhập", logout: "Đăng xuất", username: "Tên đăng nhập",
    password: "Mật khẩu", cameras: "Camera", playback: "Xem lại", camera: "Camera", from: "Từ", to: "Đến",
    play: "Phát", events: "Sự kiện", time: "Thời gian", type: "Loại", online: "Hoạt động", offline: "Mất kết nối",
    watch: "Xem", noFootage: "Chưa có hình", switchLang: "English", loginFailed: "Đăng nhập thất bại",
    locked: "Tài khoản bị khóa tạm thời", ongoing: "đang diễn ra",
    types: { camera_offline: "Camera mất kết nối", storage_alarm: "Cảnh báo lưu trữ", index_repair: "Sửa chỉ mục",
             hit_and_run: "Gây tai nạn rồi bỏ chạy", collision: "Va chạm giao thông", intrusion: "Xâm nhập khu vực",
             loitering: "Lảng vảng", line_crossing: "Vượt vạch", wrong_way: "Đi ngược chiều",
             tamper: "Phá hoại camera" },
  },
  en: {
    title: "Public-order cameras", login: "Log in", logout: "Log out", username: "User name", password: "Password",
    cameras: "Cameras", playback: "Playback", camera: "Camera", from: "From", to: "To", play: "Play",
    events: "Events", time: "Time", type: "Type", online: "Online", offline: "Offline", watch: "Watch",
    noFootage: "No footage yet", switchLang: "Tiếng Việt", loginFailed: "Login failed",
    locked: "Account temporarily locked", ongoing: "ongoing",
    types: { camera_offline: "Camera offline", storage_alarm: "Storage alarm", index_repair: "Index repair",
             hit_and_run: "Hit and run", collision: "Collision", intrusion: "Intrusion", loitering: "Loitering",
             line_crossing: "Line crossing", wrong_way: "Wrong way", tamper: "Camera tampering" },
  },
};
let lang = localStorage.getItem("vms-lang") || "vi";
const t = (key) => TEXT[lang][key] ?? key;
const $ = (selector) => document.querySelector(selector);
const TZ = "Asia/Ho_Chi_Minh";

function applyLanguage() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  $("#lang-toggle").textContent = t("switchLang");
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  if (response.status === 401) { showLogin(); throw new Error("login required"); }
  return response;
}

function showLogin() {
  $("#login-view").hidden = false; $("#app-view").hidden = true; $("#logout").hidden = true; $("#whoami").textContent = "";
}

async function showApp(user) {
  $("#login-view").hidden = true; $("#app-view").hidden = false; $("#logout").hidden = false;
  $("#whoami").textContent = `${user.username} (${user.role})`;
  await refresh();
}

function formatTime(iso) {
  return new Date(iso).toLocaleString(lang === "vi" ? "vi-VN" : "en-GB", { timeZone: TZ, hour12: false });
}

function localInputValue(date) {
  // datetime-local wants local wall time without a zone: render in the site's zone.
  const parts = new Intl.DateTimeFormat("sv-SE", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }).format(date);
  return parts.replace(" ", "T");
}

function siteTimeToIso(value) {
  return `${value.length === 16 ? value + ":00" : value}+07:00`;  // Asia/Ho_Chi_Minh has no DST
}

function renderCameras(cameras) {
  const wall = $("#camera-wall");
  wall.replaceChildren();
  const select = $("#playback-camera");
  const chosen = select.value;
  select.replaceChildren();
  for (const camera of cameras) {
    const online = camera.status?.online;
    const tile = document.createElement("article");
    tile.className = "tile";
    tile.dataset.camera = camera.id;
    const img = document.createElement("img");
    img.alt = camera.name;
    img.src = `/api/cameras/${encodeURIComponent(camera.id)}/snapshot.jpg?t=${Date.now()}`;
    img.onerror = () => { img.removeAttribute("src"); img.alt = t("noFootage"); };
    const meta = document.createElement("div");
    meta.className = "meta";
    const name = document.createElement("strong");
    name.textContent = camera.name;
    const badge = document.createElement("span");
    badge.className = `badge ${online ? "online" : "offline"}`;
    badge.textContent = online ? `${t("online")} · ${camera.status.fps.toFixed(0)} fps` : t("offline");
    meta.append(name, badge);
    tile.append(img, meta);
    wall.append(tile);
    const option = new Option(camera.name, camera.id);
    select.append(option);
  }
  if (chosen) select.value = chosen;
}

function renderEvents(events) {
  const body = $("#events tbody");
  body.replaceChildren();
  for (const event of events) {
    const row = body.insertRow();
    row.className = event.severity;
    row.insertCell().textContent = formatTime(event.start);
    row.insertCell().textContent = event.camera_id ?? "—";
    const kind = row.insertCell();
    kind.textContent = TEXT[lang].types[event.type] ?? event.type;
    if (!event.end) kind.textContent += ` (${t("ongoing")})`;
    const action = row.insertCell();
    if (event.camera_id) {
      const button = document.createElement("button");
      button.className = "secondary";
      button.textContent = t("watch");
      button.onclick = () => playEvent(event);
      action.append(button);
    }
  }
}

function playEvent(event) {
  const start = new Date(new Date(event.start).getTime() - 10_000);
  const end = new Date((event.end ? new Date(event.end) : new Date(event.start)).getTime() + 10_000);
  $("#playback-camera").value = event.camera_id;
  const form = $("#playback-form");
  form.start.value = localInputValue(start);
  form.end.value = localInputValue(end);
  play(event.camera_id, start.toISOString(), end.toISOString());
}

async function play(cameraId, startIso, endIso) {
  $("#playback-error").textContent = "";
  const url = `/api/cameras/${encodeURIComponent(cameraId)}/playback.mp4?start=${encodeURIComponent(startIso)}&end=${encodeURIComponent(endIso)}`;
  const check = await api(url, { method: "GET", headers: { Range: "bytes=0-0" } });
  if (!check.ok) {
    const body = await check.json().catch(() => ({}));
    $("#playback-error").textContent = body.detail ?? check.statusText;
    return;
  }
  const player = $("#player");
  player.src = url;
  player.play().catch(() => {});
}

async function refresh() {
  const [cameras, events] = await Promise.all([
    api("/api/cameras").then((r) => r.json()),
    api("/api/events?limit=50").then((r) => r.json()),
  ]);
  renderCameras(cameras);
  renderEvents(events);
}

function setDefaultRange() {
  const form = $("#playback-form");
  const now = new Date();
  form.start.value = localInputValue(new Date(now.getTime() - 60_000));
  form.end.value = localInputValue(now);
}

async function init() {
  applyLanguage();
  setDefaultRange();
  $("#lang-toggle").onclick = () => { lang = lang === "vi" ? "en" : "vi"; localStorage.setItem("vms-lang", lang); applyLanguage(); refresh().catch(() => {}); };
  $("#login-form").onsubmit = async (submit) => {
    submit.preventDefault();
    const form = submit.target;
    const response = await fetch("/api/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: form.username.value, password: form.password.value }) });
    if (!response.ok) { $("#login-error").textContent = response.status === 423 ? t("locked") : t("loginFailed"); return; }
    $("#login-error").textContent = "";
    await showApp((await response.json()).user);
  };
  $("#logout").onclick = async () => { await api("/api/auth/logout", { method: "POST" }); showLogin(); };
  $("#playback-form").onsubmit = (submit) => {
    submit.preventDefault();
    const form = submit.target;
    play(form.camera.value, siteTimeToIso(form.start.value), siteTimeToIso(form.end.value));
  };
  const me = await fetch("/api/auth/me", { credentials: "same-origin" });
  if (me.ok) await showApp(await me.json()); else showLogin();
  setInterval(() => { if (!$("#app-view").hidden) refresh().catch(() => {}); }, 5000);
}

init();
