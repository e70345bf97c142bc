// Import the commune's camera list (CSV or xlsx): check first (dry run: what would change, every bad
// row and column named), then import; a file with any problem writes nothing.
import { sendFile } from "../api.js";
import { h, field, table, toast } from "../dom.js";
import { t, errorText } from "../i18n.js";
import "../i18n/records.js";

const kindOf = (file) => (/\.xlsx$/i.test(file.name) ? "xlsx" : "csv");

function preview(result) {
  const parts = [];
  const list = (title, ids) => ids.length && parts.push(h("p", {}, h("strong", {}, `${title} (${ids.length}): `), ids.join(", ")));
  list(t("willCreate"), result.creates);
  if (result.updates.length) {
    parts.push(h("p", {}, h("strong", {}, `${t("willUpdate")} (${result.updates.length})`)),
      table([t("id"), t("field"), t("oldValue"), t("newValue")], result.updates.flatMap((u) =>
        Object.entries(u.changes).map(([name, [before, after]]) => [u.camera_id, name, JSON.stringify(before ?? ""),
          JSON.stringify(after ?? "")]))));
  }
  list(t("unchangedRows"), result.unchanged);
  list(t("ignoredColumns"), result.ignored_columns);
  if (result.errors.length) {
    parts.push(h("p.error", { role: "alert" }, `${t("rowErrors")} (${result.errors.length}). ${t("fixErrorsFirst")}`),
      table([t("rowNo"), t("column"), t("error")], result.errors.map((e) => [String(e.row), e.column,
        errorText({ code: e.code, params: e, message: e.text })]), { class: "import-errors" }));
  }
  return parts;
}

/** Resolves true when a list was imported. */
export function importDialog() {
  const picker = h("input", { type: "file", name: "file", accept: ".csv,.xlsx,text/csv", required: true });
  const out = h("div.import-result");
  const apply = h("button.primary", { type: "button", disabled: true }, t("applyImport"));
  const dialog = h("dialog.wide", {}, h("form", { method: "dialog" },
    h("h2", {}, t("importList")), h("p.hint", {}, t("importHelpRecords")), field(t("importFile"), picker), out,
    h("div.actions", {}, h("button.ghost", { type: "button", onclick: () => dialog.close() }, t("close")),
      h("button.ghost", { type: "button", onclick: () => run(true) }, t("checkImport")), apply)));
  let imported = false;
  async function run(dryRun) {
    const file = picker.files[0];
    if (!file) { picker.reportValidity(); return; }
    try {
      const result = await sendFile("POST", "/api/records/import", file, { format: kindOf(file), dry_run: dryRun });
      out.replaceChildren(...preview(result));
      apply.disabled = !dryRun || result.errors.length > 0;
      if (result.applied) { imported = true; toast(t("importDone")); dialog.close(); }
    } catch (failure) {
      out.replaceChildren(h("p.error", { role: "alert" }, failure.message));
      apply.disabled = true;
    }
  }
  apply.addEventListener("click", () => run(false));
  picker.addEventListener("change", () => { apply.disabled = true; out.replaceChildren(); });
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => { dialog.remove(); resolve(imported); });
    dialog.showModal();
  });
}
