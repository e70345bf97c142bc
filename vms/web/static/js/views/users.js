// Users (admin): list, add, edit role / name / active / camera access, reset a password.
import { getJson, sendJson } from "../api.js";
import { h, field, select, table, toast } from "../dom.js";
import { t, ROLES } from "../i18n.js";

function userDialog(user, cameras) {
  const allowed = new Set(user?.cameras ?? []);
  const error = h("p.error", { role: "alert" });
  const form = h("form.user-form", { method: "dialog" },
    h("h2", {}, user ? `${t("edit")}: ${user.username}` : t("addUser")),
    h("div.row", {},
      field(t("username"), h("input", { name: "username", value: user?.username ?? "", required: true,
        readOnly: Boolean(user), maxlength: 64, autocomplete: "off" })),
      field(t("fullName"), h("input", { name: "full_name", value: user?.full_name ?? "", maxlength: 120 })),
      field(t("role"), select("role", ROLES.map((r) => [r, t(`role_${r}`)]), user?.role ?? "operator"))),
    h("div.row", {},
      field(user ? `${t("newPassword")} (${t("keepPassword")})` : t("password"),
        h("input", { name: "password", type: "password", required: !user, autocomplete: "new-password" })),
      user ? h("label.check", {}, h("input", { type: "checkbox", name: "active", checked: user.active !== false }),
        t("active")) : ""),
    h("fieldset.cameras", {}, h("legend", {}, t("cameraAccess")),
      cameras.map((c) => h("label.check", {},
        h("input", { type: "checkbox", name: "camera", value: c.id, checked: allowed.has(c.id) }), c.name))),
    error,
    h("div.actions", {}, h("button.ghost", { type: "button", onclick: () => dialog.close() }, t("cancel")),
      h("button.primary", { type: "submit" }, t("save"))));
  const dialog = h("dialog", {}, form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    let saved = false;
    form.addEventListener("submit", async (submit) => {
      submit.preventDefault();
      const body = { full_name: form.full_name.value, role: form.role.value,
        cameras: [...form.querySelectorAll("input[name=camera]:checked")].map((box) => box.value) };
      if (form.password.value) body.password = form.password.value;
      try {
        if (user) await sendJson("PATCH", `/api/users/${user.id}`, { ...body, active: form.active.checked });
        else await sendJson("POST", "/api/users", { username: form.username.value, ...body });
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

async function render(root) {
  const cameras = await getJson("/api/cameras");
  const names = new Map(cameras.map((c) => [c.id, c.name]));
  const list = h("div.table-wrap");
  const refresh = async () => {
    const users = await getJson("/api/users");
    const items = Array.isArray(users) ? users : users.items;
    list.replaceChildren(table([t("username"), t("fullName"), t("role"), t("cameras"), t("active"), ""],
      items.map((user) => [user.username, user.full_name ?? "", t(`role_${user.role}`),
        user.cameras?.length ? user.cameras.map((id) => names.get(id) ?? id).join(", ") : t("allCameras"),
        user.active === false ? t("no") : t("yes"),
        h("button.ghost", { type: "button", onclick: async () => {
          if (await userDialog(user, cameras)) { toast(t("saved")); refresh(); } } }, t("edit"))])));
  };
  root.append(h("div.toolbar", {}, h("h1", {}, t("nav_users")),
    h("button.primary.big", { type: "button", onclick: async () => {
      if (await userDialog(null, cameras)) { toast(t("saved")); refresh(); } } }, t("addUser"))), list);
  await refresh();
}

export default { menu: true, capability: "users", render };
