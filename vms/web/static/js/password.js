// Change one's own password (any role): old and new password, new typed twice.
import { sendJson } from "./api.js";
import { h, field, toast } from "./dom.js";
import { t } from "./i18n.js";

export function openPasswordDialog() {
  const error = h("p.error", { role: "alert" });
  const input = (name, autocomplete) => h("input", { type: "password", name, required: true, autocomplete });
  const form = h("form.password-form", { method: "dialog" },
    h("h2", {}, t("changePassword")),
    field(t("password"), input("old_password", "current-password")),
    field(t("newPassword"), input("new_password", "new-password")),
    field(t("repeatPassword"), input("repeat", "new-password")),
    error,
    h("div.actions", {}, h("button.ghost", { type: "button", onclick: () => dialog.close() }, t("cancel")),
      h("button.primary", { type: "submit" }, t("save"))));
  const dialog = h("dialog", {}, form);
  document.body.append(dialog);
  form.addEventListener("submit", async (submit) => {
    submit.preventDefault();
    if (form.new_password.value !== form.repeat.value) { error.textContent = t("passwordsDiffer"); return; }
    try {
      await sendJson("POST", "/api/auth/password",
        { old_password: form.old_password.value, new_password: form.new_password.value });
      dialog.close();
      toast(t("saved"));
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
  dialog.addEventListener("close", () => dialog.remove());
  dialog.showModal();
}
