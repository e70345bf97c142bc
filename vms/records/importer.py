"""Import the commune's existing camera list from a spreadsheet (CSV or xlsx), with a dry run.

Column headers may be the record's field names or their usual Vietnamese titles, with or without
diacritics ("Mã camera", "Thôn", "Vĩ độ", ...); values may be codes or Vietnamese words
("Hộ gia đình", "Hỏng"). Only `camera_id` is required. A cell left empty keeps what the record
already says. Every problem is named by row (as numbered in the spreadsheet, the header is row 1)
and column; if there is any, nothing is written. A dry run returns exactly what would change.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import load_workbook
from pydantic import ValidationError
from sqlalchemy.orm import Session

from vms.api.errors import ERROR_CODES, register
from vms.audit import audit
from vms.db.models import CameraRecord
from vms.records.camera_records import changes_between, record_fields, save_record
from vms.records.schemas import CAMERA_ID_PATTERN, COVERAGE, RecordFields

MAX_ROWS = 5000
MISSING_COLUMN = register("import.missing_column", "the column {column} is missing")
UNREADABLE = register("import.unreadable", "the file cannot be read as {kind}")
TOO_MANY_ROWS = register("import.too_many_rows", "at most {max_rows} rows per import")
BAD_ID = register("import.bad_camera_id", "row {row}: camera id '{value}' is not valid (a-z, 0-9, - and _)")
DUPLICATE_ID = register("import.duplicate_id", "row {row}: camera '{value}' appears twice")
BAD_VALUE = register("import.bad_value", "row {row}, column {column}: '{value}' is not an accepted value")
BAD_DATE = register("import.bad_date", "row {row}, column {column}: '{value}' is not a date (dd/mm/yyyy)")
BAD_NUMBER = register("import.bad_number", "row {row}, column {column}: '{value}' is not a number")
INVALID = register("import.invalid", "row {row}, column {column}: {message}")


def fold(text: str) -> str:
    """Lower-case ASCII words joined by "_": "Vĩ độ" -> "vi_do", "Đơn vị lắp đặt" -> "don_vi_lap_dat"."""
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


COLUMNS: dict[str, tuple[str, ...]] = {
    "camera_id": ("ma_camera", "ma", "id", "ma_so"),
    "name": ("ten", "ten_camera"),
    "owner_kind": ("loai_chu_so_huu", "doi_tuong_so_huu"),
    "owner_name": ("chu_so_huu", "chu_camera", "ho_ten_chu_so_huu"),
    "owner_contact": ("lien_he", "so_dien_thoai", "sdt", "lien_he_chu_so_huu"),
    "funder_kind": ("nguon_kinh_phi", "loai_nguon_kinh_phi"),
    "funder_name": ("don_vi_tai_tro", "nguoi_tai_tro", "ten_nguon_kinh_phi"),
    "funder_contact": ("lien_he_tai_tro",),
    "agreement_date": ("ngay_thoa_thuan", "ngay_ky"),
    "agreement_ref": ("so_thoa_thuan", "so_bien_ban", "so_van_ban"),
    "installer": ("don_vi_lap_dat", "nguoi_lap_dat"),
    "installed_on": ("ngay_lap_dat",),
    "warranty_until": ("bao_hanh_den", "han_bao_hanh"),
    "hamlet": ("thon", "thon_ban", "ban", "to_dan_pho", "thon_xom"),
    "address": ("dia_chi", "vi_tri"),
    "latitude": ("lat", "vi_do"),
    "longitude": ("lon", "lng", "kinh_do"),
    "coverage": ("pham_vi", "khu_vuc_giam_sat", "pham_vi_giam_sat"),
    "coverage_note": ("ghi_chu_pham_vi", "mo_ta_pham_vi"),
    "status": ("trang_thai", "tinh_trang"),
    "status_reason": ("ly_do", "ly_do_trang_thai"),
}
IGNORED = frozenset({"stt", "so_thu_tu", "ghi_chu", "note", "notes"})
WORDS: dict[str, dict[str, str]] = {
    "kind": {"ho_gia_dinh": "household", "ho_dan": "household", "gia_dinh": "household", "cua_hang": "shop",
             "ho_kinh_doanh": "shop", "cua_hieu": "shop", "doanh_nghiep": "shop", "truong_hoc": "school",
             "truong": "school", "co_quan": "agency", "don_vi": "agency", "ngan_sach_xa": "commune",
             "xa": "commune", "ubnd_xa": "commune", "khac": "other"},
    "status": {"du_kien": "planned", "ke_hoach": "planned", "chua_lap": "planned", "hoat_dong": "active",
               "dang_hoat_dong": "active", "tot": "active", "hong": "broken", "hu_hong": "broken",
               "ket_thuc": "retired", "ngung": "retired", "da_ket_thuc": "retired", "thu_hoi": "retired"},
    "coverage": {"duong": "road", "tuyen_duong": "road", "nga_ba": "intersection", "nga_tu": "intersection",
                 "giao_lo": "intersection", "cho": "market", "cong_truong": "school_gate",
                 "khu_dan_cu": "residential", "tru_so": "public_office", "cong_vien": "park", "khac": "other"},
}
KIND_FIELDS = {"owner_kind": "kind", "funder_kind": "kind", "status": "status"}
DATE_FIELDS = {"agreement_date", "installed_on", "warranty_until"}
NUMBER_FIELDS = {"latitude", "longitude"}
ALIASES = {alias: name for name, aliases in COLUMNS.items() for alias in (name, *aliases)}


class ImportRefused(ValueError):
    """The file as a whole cannot be imported (unreadable, no id column, too long)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code, self.params = code, params


@dataclass
class RowProblem:
    row: int
    column: str
    code: str
    value: str = ""
    message: str = ""

    def as_dict(self) -> dict[str, object]:
        params = {"row": self.row, "column": self.column, "value": self.value, "message": self.message}
        return {**params, "code": self.code, "text": ERROR_CODES[self.code].format(**params)}


@dataclass
class ImportResult:
    dry_run: bool
    rows: int = 0
    creates: list[str] = field(default_factory=list)
    updates: list[dict[str, object]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return not self.dry_run and not self.errors


def read_table(data: bytes, kind: str) -> list[list[str]]:
    """Rows of text cells from CSV (UTF-8 or Windows-1258, comma or semicolon) or the first xlsx sheet."""
    if kind == "xlsx":
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
            return [["" if v is None else (v.date().isoformat() if isinstance(v, datetime) else str(v)) for v in row]
                    for row in sheet.iter_rows(values_only=True)]
        except Exception:  # openpyxl raises many kinds for a file that is not a workbook
            raise ImportRefused(UNREADABLE, kind="xlsx") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:  # Excel on Vietnamese Windows saves CSV in Windows-1258
            text = data.decode("cp1258")
        except UnicodeDecodeError:
            raise ImportRefused(UNREADABLE, kind="CSV") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:  # newline="" lets the csv module see old-Mac "\r" line ends and quoted line breaks as they are
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error:
        raise ImportRefused(UNREADABLE, kind="CSV") from None


def _parse_date(text: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _cell_value(name: str, text: str) -> object:
    """One cell as the record field's value; ValueError (with the code) when it cannot be read."""
    if name in KIND_FIELDS:
        words = WORDS[KIND_FIELDS[name]]
        folded = fold(text)
        if folded in words.values():
            return folded
        if folded not in words:
            raise ValueError(BAD_VALUE)
        return words[folded]
    if name == "coverage":
        items = [fold(part) for part in re.split(r"[,;/]", text) if part.strip()]
        codes = [item if item in COVERAGE else WORDS["coverage"].get(item) for item in items]
        if any(code is None for code in codes):
            raise ValueError(BAD_VALUE)
        return codes
    if name in DATE_FIELDS:
        try:
            return _parse_date(text)
        except ValueError:
            raise ValueError(BAD_DATE) from None
    if name in NUMBER_FIELDS:
        try:
            return float(text.replace(",", "."))
        except ValueError:
            raise ValueError(BAD_NUMBER) from None
    return text


def _columns(header: list[str], result: ImportResult) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for index, title in enumerate(header):
        name = ALIASES.get(fold(title))
        if name is not None and name not in mapping.values():
            mapping[index] = name
        elif title.strip() and fold(title) not in IGNORED:
            result.ignored_columns.append(title.strip())
    if "camera_id" not in mapping.values():
        raise ImportRefused(MISSING_COLUMN, column="camera_id (Mã camera)")
    return mapping


def _row_fields(row_no: int, cells: dict[str, str], current: RecordFields,
                result: ImportResult) -> RecordFields | None:
    values = current.model_dump()
    ok = True
    for name, text in cells.items():
        if name == "camera_id" or not text:
            continue
        try:
            values[name] = _cell_value(name, text)
        except ValueError as error:
            result.errors.append(RowProblem(row_no, name, str(error), text))
            ok = False
    if not ok:
        return None
    try:
        return RecordFields.model_validate(values)
    except ValidationError as error:
        for item in error.errors():
            column = str(item["loc"][0]) if item["loc"] else ("latitude" if "gps" in item["type"] else "status")
            code = item["type"] if item["type"] in ERROR_CODES else INVALID
            result.errors.append(RowProblem(row_no, column, code, str(cells.get(column, "")), item["msg"]))
        return None


def plan_import(session: Session, table: list[list[str]], dry_run: bool) -> tuple[ImportResult, dict[str, RecordFields]]:
    """Validate every row against the stored records; returns the result and the records to write."""
    result = ImportResult(dry_run=dry_run)
    if not table:
        raise ImportRefused(MISSING_COLUMN, column="camera_id (Mã camera)")
    columns = _columns(table[0], result)
    body = [row for row in table[1:] if any(str(cell).strip() for cell in row)]
    if len(body) > MAX_ROWS:
        raise ImportRefused(TOO_MANY_ROWS, max_rows=MAX_ROWS)
    planned: dict[str, RecordFields] = {}
    for offset, row in enumerate(table[1:], start=2):
        cells = {name: str(row[i]).strip() if i < len(row) else "" for i, name in columns.items()}
        if not any(cells.values()):
            continue
        result.rows += 1
        camera_id = cells["camera_id"].lower()
        if not re.fullmatch(CAMERA_ID_PATTERN, camera_id):
            result.errors.append(RowProblem(offset, "camera_id", BAD_ID, cells["camera_id"]))
            continue
        if camera_id in planned:
            result.errors.append(RowProblem(offset, "camera_id", DUPLICATE_ID, camera_id))
            continue
        record = session.get(CameraRecord, camera_id)
        current = record_fields(record)
        fields = _row_fields(offset, cells, current, result)
        if fields is None:
            planned[camera_id] = current
            continue
        planned[camera_id] = fields
        changes = changes_between(current, fields)
        if record is None:
            result.creates.append(camera_id)
        elif changes:
            result.updates.append({"camera_id": camera_id, "changes": changes})
        else:
            result.unchanged.append(camera_id)
    return result, planned


def run_import(session: Session, data: bytes, kind: str, dry_run: bool, username: str,
               client_ip: str = "") -> ImportResult:
    """Dry run, or write every row when no row has a problem (the caller commits)."""
    result, planned = plan_import(session, read_table(data, kind), dry_run)
    if result.applied:
        for camera_id in result.creates + [u["camera_id"] for u in result.updates]:  # type: ignore[misc]
            save_record(session, camera_id, planned[camera_id], username, client_ip, action="record_import")
        audit(session, username, "records_import", client_ip=client_ip, rows=result.rows,
              created=len(result.creates), updated=len(result.updates))
    return result
