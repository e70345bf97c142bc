// VMS web UI entry: session, navigation bar (only the pages the role may use) and hash routing.
import { ApiError, request, setUnauthorizedHandler, getJson } from "./js/api.js";
import { h, $ } from "./js/dom.js";
import { currentLang, setLang, t, translatePage, onLangChange } from "./js/i18n.js";
import "./js/i18n/security.js"; // security texts and error codes, for every page
import { can } from "./js/roles.js";
import { openPasswordDialog } from "./js/password.js";
import { alarms } from "./js/alarms.js";
import alarmsView from "./js/views/alarms.js";
import wall from "./js/views/wall.js";
import timeline from "./js/views/timeline.js";
import search from "./js/views/search.js";
import eventView from "./js/views/event.js";
import playback from "./js/views/playback.js";
import exportsView from "./js/views/exports.js";
import importView from "./js/views/import.js";
import cameras from "./js/views/cameras.js";
import users from "./js/views/users.js";
import audit from "./js/views/audit.js";
import reports from "./js/views/reports.js";
import discovery from "./js/views/discovery.js";
import ptz from "./js/views/ptz.js";
import programme from "./js/views/programme.js";
import programmeMap from "./js/views/programme_map.js";
import maintenance from "./js/views/maintenance.js";
import review from "./js/views/review.js";
import health from "./js/views/health.js";

// Route name -> view. Order is the menu order; views without `menu` are reached by links only.
const VIEWS = { wall, alarms: alarmsView, timeline, search, events: eventView, playback, exports: exportsView, import: importView, cameras,
  users, audit, reports, discovery, ptz, programme, programme_map: programmeMap, maintenance, review, health };

const state = { user: null, cleanup: null, siteName: "", renders: 0 };

function parseHash() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [name, ...args] = path.split("/").filter(Boolean);
  return { name: name || "", args: args.map(decodeURIComponent), params: new URLSearchParams(query) };
}

export function navigate(hash) { location.hash = hash; }

function firstAllowed() {
  return Object.keys(VIEWS).find((name) => VIEWS[name].menu && can(state.user, VIEWS[name].capability)) ?? "wall";
}

function renderNav() {
  const current = parseHash().name;
  const links = Object.entries(VIEWS)
    .filter(([, view]) => view.menu && can(state.user, view.capability))
    .map(([name]) => h("a", { href: `#/${name}`, dataset: { route: name },
      "aria-current": name === current ? "page" : undefined }, t(`nav_${name}`)));
  $("#nav").replaceChildren(...links);
}

async function route() {
  if (!state.user) return;
  const { name, args, params } = parseHash();
  const view = VIEWS[name];
  if (!view) { navigate(`#/${firstAllowed()}`); return; }
  if (typeof state.cleanup === "function") state.cleanup();
  state.cleanup = null;
  renderNav();
  // Each render gets its own container: a slower, older render still awaiting data then fills a
  // detached element instead of the page, and its timers are stopped as soon as it returns.
  const root = h("div");
  $("#view").replaceChildren(root);
  $("#view").className = `view view-${name}`;
  if (!can(state.user, view.capability)) {
    root.append(h("p.error", { role: "alert" }, t("notAllowed")));
    return;
  }
  const ctx = { user: state.user, args, params, navigate, siteName: state.siteName, can: (c) => can(state.user, c) };
  const render = ++state.renders;
  try {
    const cleanup = await view.render(root, ctx);
    if (render === state.renders) state.cleanup = cleanup;
    else if (typeof cleanup === "function") cleanup();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    root.append(h("p.error", { role: "alert" }, `${t("error")}: ${error.message}`));
  }
}

function showLogin() {
  state.user = null;
  alarms.stop();
  state.renders += 1;
  if (typeof state.cleanup === "function") state.cleanup();
  state.cleanup = null;
  $("#login-view").hidden = false;
  $("#view").hidden = true;
  $("#logout").hidden = true;
  $("#whoami").hidden = true;
  $("#nav").replaceChildren();
  $("#login-form").username.focus();
}

function showApp(user) {
  state.user = user;
  $("#login-view").hidden = true;
  $("#view").hidden = false;
  $("#logout").hidden = false;
  $("#whoami").hidden = false;
  $("#whoami").textContent = `${user.full_name || user.username} · ${t(`role_${user.role}`)}`;
  $("#whoami").title = t("changePassword");
  if (alarms.user?.username !== user.username) alarms.start(user).catch(() => {});
  else alarms.render(); // a language switch: same console, new words
  route();
}

async function login(submit) {
  submit.preventDefault();
  const form = submit.target;
  try {
    const response = await request("/api/auth/login", { method: "POST",
      body: { username: form.username.value, password: form.password.value } });
    $("#login-error").textContent = "";
    form.password.value = "";
    showApp((await response.json()).user);
  } catch (error) {
    $("#login-error").textContent = error.status === 423 ? t("locked") : t("loginFailed");
  }
}

function applyLanguage() {
  translatePage();
  $("#lang-toggle").textContent = t("switchLang");
  if (state.user) showApp(state.user);
}

async function init() {
  const siteName = document.querySelector('meta[name="vms-site-name"]')?.content ?? "";
  state.siteName = siteName.includes("{{") ? "" : siteName;
  $("#site-name").textContent = state.siteName;
  setUnauthorizedHandler(showLogin);
  onLangChange(applyLanguage);
  translatePage();
  $("#lang-toggle").textContent = t("switchLang");
  $("#lang-toggle").addEventListener("click", () => setLang(currentLang() === "vi" ? "en" : "vi"));
  $("#login-form").addEventListener("submit", login);
  $("#whoami").addEventListener("click", openPasswordDialog);
  $("#logout").addEventListener("click", async () => {
    await request("/api/auth/logout", { method: "POST" }).catch(() => {});
    showLogin();
  });
  window.addEventListener("hashchange", route);
  try {
    showApp(await getJson("/api/auth/me"));
  } catch {
    showLogin();
  }
}

init();
