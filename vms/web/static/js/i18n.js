// Vietnamese and English texts. Vietnamese is the default; the switch is remembered in localStorage.
// The API speaks English codes (event types, colours, classes, roles); only the UI translates them.

const STORAGE_KEY = "vms-lang";

const VI = {
  appTitle: "Camera giám sát ANTT", login: "Đăng nhập", logout: "Đăng xuất", username: "Tên đăng nhập",
  password: "Mật khẩu", loginFailed: "Sai tên đăng nhập hoặc mật khẩu", locked: "Tài khoản bị khóa tạm thời, thử lại sau",
  switchLang: "English", loading: "Đang tải…", error: "Lỗi", notAllowed: "Bạn không có quyền xem trang này",
  notFound: "Không tìm thấy", waitingBackend: "Máy chủ chưa hỗ trợ chức năng này", retry: "Thử lại",
  nav_wall: "Màn hình camera", nav_timeline: "Dòng thời gian", nav_search: "Tìm sự kiện", nav_playback: "Xem lại",
  nav_exports: "Trích xuất", nav_cameras: "Quản lý camera", nav_users: "Người dùng", nav_audit: "Nhật ký",
  nav_reports: "Báo cáo",
  camera: "Camera", cameras: "Camera", allCameras: "Tất cả camera", online: "Trực tuyến", offline: "Mất kết nối",
  disabled: "Đã tắt", noFootage: "Chưa có hình", recentEvents: "Sự kiện trong 1 giờ qua", lastFrame: "Khung hình cuối", reconnects: "Kết nối lại",
  from: "Từ", to: "Đến", time: "Thời gian", type: "Loại", types: "Loại sự kiện", severity: "Mức độ",
  objects: "Đối tượng", objectClass: "Loại đối tượng", colour: "Màu", direction: "Hướng", zone: "Vùng",
  speed: "Tốc độ", detector: "Bộ phát hiện", duration: "Thời lượng", ongoing: "đang diễn ra", any: "Tất cả",
  search: "Tìm", reset: "Xóa lọc", more: "Xem thêm", noResults: "Không có sự kiện nào", open: "Mở",
  play: "Phát", events: "Sự kiện", event: "Sự kiện", eventNo: "Sự kiện số", back: "Quay lại", snapshot: "Ảnh chụp",
  details: "Chi tiết", playEvent: "Phát đoạn sự kiện", exportEvent: "Trích xuất đoạn này",
  range: "Khoảng thời gian", last10m: "10 phút", last1h: "1 giờ", last6h: "6 giờ", last24h: "24 giờ", last7d: "7 ngày",
  earlier: "◀ Trước", later: "Sau ▶", now: "Hiện tại", zoomIn: "Phóng to", zoomOut: "Thu nhỏ",
  timelineHelp: "Bấm hoặc kéo trên một hàng để xem lại tại thời điểm đó. Phím ← → lùi/tiến 10 giây.",
  coverage: "Có ghi hình", noRecording: "Không có hình trong khoảng này", frameTime: "Thời điểm khung hình",
  player: "Trình phát", load: "Tải", playbackRange: "Chọn đoạn xem lại",
  exports: "Trích xuất", newExport: "Trích xuất mới", caseNumber: "Số hồ sơ vụ việc", reason: "Lý do",
  create: "Tạo", cancel: "Hủy", close: "Đóng", status: "Trạng thái", progress: "Tiến độ", download: "Tải về",
  createdBy: "Người tạo", createdAt: "Lúc tạo", size: "Dung lượng",
  export_queued: "Đang chờ", export_running: "Đang xử lý", export_done: "Hoàn tất", export_failed: "Lỗi",
  chooseCamera: "Chọn ít nhất một camera",
  addCamera: "Thêm camera", editCamera: "Sửa camera", deleteCamera: "Xóa camera", save: "Lưu", edit: "Sửa",
  delete: "Xóa", id: "Mã", name: "Tên", location: "Vị trí", source: "Nguồn", sourceType: "Kiểu nguồn",
  url: "Địa chỉ RTSP", transport: "Giao thức", path: "Đường dẫn tệp", loop: "Lặp lại", scene: "Cảnh mô phỏng",
  seed: "Hạt giống", retentionDays: "Lưu giữ (ngày)", enabled: "Đang bật", keepPassword: "để trống = giữ nguyên",
  confirmDelete: "Tắt và gỡ camera này? Dữ liệu ghi hình vẫn được giữ.", saved: "Đã lưu",
  reenterCredentials: "Nếu đổi địa chỉ hoặc tên đăng nhập, hãy nhập lại mật khẩu của camera.",
  users: "Người dùng", addUser: "Thêm người dùng", fullName: "Họ tên", role: "Vai trò", active: "Đang hoạt động",
  cameraAccess: "Camera được xem (để trống = tất cả)", newPassword: "Mật khẩu mới", yes: "Có", no: "Không",
  role_admin: "Quản trị", role_installer: "Kỹ thuật lắp đặt", role_operator: "Trực ban", role_investigator: "Điều tra viên",
  role_viewer: "Người xem",
  audit: "Nhật ký truy cập", action: "Hành động", target: "Đối tượng", clientIp: "Địa chỉ IP", downloadCsv: "Tải CSV",
  reports: "Báo cáo định kỳ", period: "Kỳ báo cáo", thisMonth: "Tháng này", lastMonth: "Tháng trước",
  thisQuarter: "Quý này", last7days: "7 ngày qua", custom: "Tùy chọn", show: "Xem", print: "In",
  uptime: "Thời gian hoạt động", offlineTime: "Thời gian mất kết nối", recorded: "Dung lượng ghi", total: "Tổng",
  camerasTotal: "Tổng số camera", onlineNow: "Đang trực tuyến", eventsByType: "Sự kiện theo loại",
  reportTitle: "BÁO CÁO HOẠT ĐỘNG HỆ THỐNG CAMERA GIÁM SÁT", preparedBy: "Người lập báo cáo",
  approvedBy: "Thủ trưởng đơn vị", signHint: "(Ký, ghi rõ họ tên)", printedAt: "In lúc",
  severity_info: "Thông tin", severity_warning: "Cảnh báo", severity_alarm: "Báo động",
  nav_discovery: "Tìm camera ONVIF", nav_ptz: "Điều khiển PTZ", interface: "Card mạng", anyInterface: "Tất cả",
  discover: "Quét mạng", scanning: "Đang quét…", noDevices: "Không tìm thấy camera nào", address: "Địa chỉ",
  port: "Cổng", hardware: "Phần cứng", registeredAs: "Đã thêm với mã", probe: "Kiểm tra kết nối", preview: "Ảnh xem thử",
  register: "Thêm vào hệ thống", manual: "Nhập địa chỉ thủ công", manufacturer: "Hãng", model: "Model",
  firmware: "Firmware", mainStream: "Luồng chính (ghi hình)", subStream: "Luồng phụ (phân tích)", ptzSupported: "Hỗ trợ PTZ",
  clockDrift: "Lệch đồng hồ", warnings: "Lưu ý", registered: "Đã thêm camera", presets: "Vị trí đặt sẵn", go: "Đến",
  ptzHelp: "Giữ nút (hoặc phím mũi tên, +/−) để quay; thả ra để dừng.", stop: "Dừng", zoomInPtz: "Phóng", zoomOutPtz: "Thu",
  noPtzCameras: "Chưa có camera RTSP/ONVIF nào", up: "Lên", down: "Xuống", left: "Trái", right: "Phải",
  changePassword: "Đổi mật khẩu", repeatPassword: "Nhập lại mật khẩu mới", passwordsDiffer: "Hai mật khẩu mới không khớp",
  nation: "Cộng hòa xã hội chủ nghĩa Việt Nam", motto: "Độc lập - Tự do - Hạnh phúc",
  nav_import: "Nhập kết quả phân tích", analysisFile: "Tệp kết quả (.json)", videoStart: "Video bắt đầu lúc",
  sourceFile: "Tệp video", importEvents: "Nhập các sự kiện", imported: "Đã nhập sự kiện",
  showImported: "Xem các sự kiện đã nhập", notJson: "Tệp này không phải JSON",
  notAnalysis: "Tệp này không phải kết quả của lệnh vms analyze (thiếu danh sách events)",
  cameraIdHint: "Chữ thường không dấu, chữ số, _ và -, bắt đầu bằng chữ hoặc số",
  cap_live: "xem trực tiếp", cap_events: "xem sự kiện", cap_search: "tìm kiếm", cap_playback: "xem lại",
  cap_export: "trích xuất", cap_cameras: "quản lý camera", cap_users: "quản lý người dùng", cap_reports: "báo cáo",
  importHelp: "Video do người dân, cửa hàng cung cấp (USB, đầu ghi): chạy lệnh “vms analyze TỆP_VIDEO --json ketqua.json” trên máy chủ, rồi chọn ketqua.json ở đây. Các sự kiện được gắn với camera đã chọn, tính giờ từ thời điểm video bắt đầu, và được ghi vào nhật ký.",
};

const EN = {
  appTitle: "Public-order cameras", login: "Log in", logout: "Log out", username: "User name", password: "Password",
  loginFailed: "Wrong user name or password", locked: "Account temporarily locked, try again later",
  switchLang: "Tiếng Việt", loading: "Loading…", error: "Error", notAllowed: "You may not open this page",
  notFound: "Not found", waitingBackend: "The server does not offer this yet", retry: "Retry",
  nav_wall: "Camera wall", nav_timeline: "Timeline", nav_search: "Event search", nav_playback: "Playback",
  nav_exports: "Exports", nav_cameras: "Cameras", nav_users: "Users", nav_audit: "Audit log", nav_reports: "Reports",
  camera: "Camera", cameras: "Cameras", allCameras: "All cameras", online: "Online", offline: "Offline",
  disabled: "Disabled", noFootage: "No footage yet", recentEvents: "Events in the last hour", lastFrame: "Last frame", reconnects: "Reconnects",
  from: "From", to: "To", time: "Time", type: "Type", types: "Event types", severity: "Severity",
  objects: "Objects", objectClass: "Object class", colour: "Colour", direction: "Direction", zone: "Zone",
  speed: "Speed", detector: "Detector", duration: "Duration", ongoing: "ongoing", any: "Any",
  search: "Search", reset: "Clear filters", more: "Load more", noResults: "No events", open: "Open",
  play: "Play", events: "Events", event: "Event", eventNo: "Event no.", back: "Back", snapshot: "Snapshot",
  details: "Details", playEvent: "Play event clip", exportEvent: "Export this clip",
  range: "Range", last10m: "10 min", last1h: "1 hour", last6h: "6 hours", last24h: "24 hours", last7d: "7 days",
  earlier: "◀ Earlier", later: "Later ▶", now: "Now", zoomIn: "Zoom in", zoomOut: "Zoom out",
  timelineHelp: "Click or drag on a row to play back from that moment. Keys ← → step 10 seconds.",
  coverage: "Recorded", noRecording: "No footage in this range", frameTime: "Frame time",
  player: "Player", load: "Load", playbackRange: "Choose a range to play",
  exports: "Exports", newExport: "New export", caseNumber: "Case number", reason: "Reason",
  create: "Create", cancel: "Cancel", close: "Close", status: "Status", progress: "Progress", download: "Download",
  createdBy: "Created by", createdAt: "Created at", size: "Size",
  export_queued: "Queued", export_running: "Running", export_done: "Done", export_failed: "Failed",
  chooseCamera: "Choose at least one camera",
  addCamera: "Add camera", editCamera: "Edit camera", deleteCamera: "Delete camera", save: "Save", edit: "Edit",
  delete: "Delete", id: "ID", name: "Name", location: "Location", source: "Source", sourceType: "Source type",
  url: "RTSP URL", transport: "Transport", path: "File path", loop: "Loop", scene: "Simulated scene",
  seed: "Seed", retentionDays: "Retention (days)", enabled: "Enabled", keepPassword: "blank = keep",
  confirmDelete: "Disable and remove this camera? Its footage is kept.", saved: "Saved",
  reenterCredentials: "If you change the address or user name, enter the camera's password again.",
  users: "Users", addUser: "Add user", fullName: "Full name", role: "Role", active: "Active",
  cameraAccess: "Cameras allowed (blank = all)", newPassword: "New password", yes: "Yes", no: "No",
  role_admin: "Administrator", role_installer: "Installer", role_operator: "Operator", role_investigator: "Investigator",
  role_viewer: "Viewer",
  audit: "Audit log", action: "Action", target: "Target", clientIp: "IP address", downloadCsv: "Download CSV",
  reports: "Periodic report", period: "Period", thisMonth: "This month", lastMonth: "Last month",
  thisQuarter: "This quarter", last7days: "Last 7 days", custom: "Custom", show: "Show", print: "Print",
  uptime: "Uptime", offlineTime: "Offline time", recorded: "Recorded", total: "Total",
  camerasTotal: "Cameras", onlineNow: "Online now", eventsByType: "Events by type",
  reportTitle: "SURVEILLANCE CAMERA SYSTEM ACTIVITY REPORT", preparedBy: "Prepared by",
  approvedBy: "Head of unit", signHint: "(Signature and full name)", printedAt: "Printed at",
  severity_info: "Info", severity_warning: "Warning", severity_alarm: "Alarm",
  nav_discovery: "ONVIF discovery", nav_ptz: "PTZ control", interface: "Network interface", anyInterface: "All",
  discover: "Scan network", scanning: "Scanning…", noDevices: "No cameras found", address: "Address",
  port: "Port", hardware: "Hardware", registeredAs: "Registered as", probe: "Test connection", preview: "Preview",
  register: "Add to system", manual: "Enter an address by hand", manufacturer: "Manufacturer", model: "Model",
  firmware: "Firmware", mainStream: "Main stream (recorded)", subStream: "Sub stream (detection)", ptzSupported: "PTZ",
  clockDrift: "Clock drift", warnings: "Warnings", registered: "Camera added", presets: "Presets", go: "Go",
  ptzHelp: "Hold a button (or arrow keys, +/−) to move; release to stop.", stop: "Stop", zoomInPtz: "Zoom in",
  zoomOutPtz: "Zoom out", noPtzCameras: "No RTSP/ONVIF cameras yet", up: "Up", down: "Down", left: "Left", right: "Right",
  changePassword: "Change password", repeatPassword: "Repeat the new password", passwordsDiffer: "The new passwords differ",
  nation: "Socialist Republic of Vietnam", motto: "Independence - Freedom - Happiness",
  nav_import: "Import analysis", analysisFile: "Result file (.json)", videoStart: "Video started at",
  sourceFile: "Video file", importEvents: "Import the events", imported: "Events imported",
  showImported: "Show the imported events", notJson: "This file is not JSON",
  notAnalysis: "This file is not a result of vms analyze (no events list)",
  cameraIdHint: "Lower-case letters, digits, _ and -, starting with a letter or digit",
  cap_live: "live view", cap_events: "events", cap_search: "search", cap_playback: "playback",
  cap_export: "export", cap_cameras: "camera management", cap_users: "user management", cap_reports: "reports",
  importHelp: "Footage handed in by residents or shops (USB stick, recorder): run “vms analyze VIDEO_FILE --json result.json” on the server, then choose result.json here. The events are filed under the chosen camera, timed from when the video started, and the import is audit-logged.",
};

// Codes from the API, translated for display. Unknown codes are shown as they are.
const CODES = {
  vi: {
    type: {
      hit_and_run: "Gây tai nạn bỏ chạy", collision: "Va chạm", intrusion: "Xâm nhập", loitering: "Lảng vảng",
      line_crossing: "Vượt vạch", wrong_way: "Đi ngược chiều", tamper: "Phá camera", camera_offline: "Camera mất kết nối",
      storage_alarm: "Cảnh báo lưu trữ", index_repair: "Sửa chỉ mục",
    },
    class: { person: "người", bicycle: "xe đạp", motorbike: "xe máy", car: "ô tô", bus: "xe buýt", truck: "xe tải" },
    colour: {
      black: "đen", white: "trắng", grey: "xám", gray: "xám", silver: "bạc", red: "đỏ", orange: "cam", yellow: "vàng",
      green: "xanh lá", blue: "xanh dương", purple: "tím", pink: "hồng", brown: "nâu", beige: "be", unknown: "không rõ",
    },
    role: { vehicle: "phương tiện", victim: "nạn nhân", intruder: "đối tượng", suspect: "nghi vấn" },
    direction: { N: "Bắc", NE: "Đông Bắc", E: "Đông", SE: "Đông Nam", S: "Nam", SW: "Tây Nam", W: "Tây", NW: "Tây Bắc" },
    action: {
      login: "Đăng nhập", login_failed: "Đăng nhập thất bại", logout: "Đăng xuất", live_view: "Xem trực tiếp",
      playback: "Xem lại", search: "Tìm kiếm", event_view: "Xem sự kiện", export_create: "Tạo trích xuất",
      export_download: "Tải trích xuất", camera_create: "Thêm camera", camera_update: "Sửa camera",
      camera_delete: "Xóa camera", user_create: "Thêm người dùng", user_update: "Sửa người dùng",
      password_change: "Đổi mật khẩu", audit_export: "Xuất nhật ký", report_view: "Xem báo cáo",
    },
  },
  en: {
    type: {
      hit_and_run: "Hit and run", collision: "Collision", intrusion: "Intrusion", loitering: "Loitering",
      line_crossing: "Line crossing", wrong_way: "Wrong way", tamper: "Camera tampering", camera_offline: "Camera offline",
      storage_alarm: "Storage alarm", index_repair: "Index repair",
    },
    class: { person: "person", bicycle: "bicycle", motorbike: "motorbike", car: "car", bus: "bus", truck: "truck" },
    colour: {},
    direction: { N: "N", NE: "NE", E: "E", SE: "SE", S: "S", SW: "SW", W: "W", NW: "NW" },
    action: {},
  },
};

/** Both dictionaries, for the test that every key used in the code exists in each language. */
export const DICTIONARIES = { vi: VI, en: EN };

export const EVENT_TYPES = Object.keys(CODES.vi.type).filter((code) => code !== "index_repair");
export const OBJECT_CLASSES = Object.keys(CODES.vi.class);
export const COLOURS = ["black", "white", "grey", "silver", "red", "orange", "yellow", "green", "blue", "brown"];
export const DIRECTIONS = Object.keys(CODES.vi.direction);
export const ROLES = ["admin", "installer", "operator", "investigator", "viewer"];

let lang = localStorage.getItem(STORAGE_KEY) === "en" ? "en" : "vi";
const listeners = [];

export function currentLang() { return lang; }
export function locale() { return lang === "vi" ? "vi-VN" : "en-GB"; }

export function setLang(next) {
  lang = next === "en" ? "en" : "vi";
  localStorage.setItem(STORAGE_KEY, lang);
  document.documentElement.lang = lang;
  listeners.forEach((listener) => listener(lang));
}

export function onLangChange(listener) { listeners.push(listener); }

/** The text for `key` in the current language (the key itself when missing, so gaps are visible). */
export function t(key) {
  return (lang === "vi" ? VI : EN)[key] ?? EN[key] ?? key;
}

/**
 * Add a feature's texts from its own module, so features don't all edit this file:
 *   addStrings({ wallLayout: "Bố cục" }, { wallLayout: "Layout" });
 * A key defined twice with a different text is a bug: it throws at load time.
 */
export function addStrings(vi, en) {
  for (const [target, texts] of [[VI, vi], [EN, en]]) {
    for (const [key, text] of Object.entries(texts)) {
      if (key in target && target[key] !== text) throw new Error(`i18n key defined twice: ${key}`);
      target[key] = text;
    }
  }
}

/** Add API codes of `kind` (e.g. "type", "action", "error") in both languages from a feature module. */
export function addCodes(kind, vi, en) {
  for (const [target, texts] of [[CODES.vi, vi], [CODES.en, en]]) {
    target[kind] = { ...(target[kind] ?? {}), ...texts };
  }
}

/** Translate an API code of `kind` (type | class | colour | direction | role | action). */
export function code(kind, value) {
  if (value === null || value === undefined || value === "") return "";
  return CODES[lang][kind]?.[value] ?? value;
}

/** Fill every [data-i18n] element under `root` with its text. */
export function translatePage(root = document) {
  document.documentElement.lang = lang;
  root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
}
/** Every audit action the UI knows (feature modules add theirs with addCodes("action", ...)). */
export function auditActions() { return Object.keys(CODES.vi.action); }

// API error codes (vms/api/errors.py): code -> [Vietnamese, English], {name} filled from the error's params.
// Every code the API declares needs both texts, here or in a feature module through addErrors()
// (tests/vms/test_error_codes.py reads both). To add one: register("area.what", "English {param}")
// in the API module, then a line  area.what: [Vietnamese, English]  (key quoted) here or in addErrors.
const ERRORS = {
  "validation.missing": ["{field}: bắt buộc phải nhập", "{field}: required"],
  "validation.extra_forbidden": ["{field}: trường không hợp lệ", "{field}: unknown field"],
  "validation.string_type": ["{field}: phải là chữ", "{field}: must be text"],
  "validation.string_too_short": ["{field}: ít nhất {min_length} ký tự", "{field}: at least {min_length} characters"],
  "validation.string_too_long": ["{field}: tối đa {max_length} ký tự", "{field}: at most {max_length} characters"],
  "validation.string_pattern_mismatch": ["{field}: sai định dạng", "{field}: not in the expected form"],
  "validation.too_short": ["{field}: cần ít nhất {min_length} mục", "{field}: at least {min_length} items"],
  "validation.too_long": ["{field}: tối đa {max_length} mục", "{field}: at most {max_length} items"],
  "validation.greater_than": ["{field}: phải lớn hơn {gt}", "{field}: must be greater than {gt}"],
  "validation.greater_than_equal": ["{field}: phải từ {ge} trở lên", "{field}: must be at least {ge}"],
  "validation.less_than": ["{field}: phải nhỏ hơn {lt}", "{field}: must be less than {lt}"],
  "validation.less_than_equal": ["{field}: tối đa là {le}", "{field}: must be at most {le}"],
  "validation.int_parsing": ["{field}: phải là số nguyên", "{field}: must be a whole number"],
  "validation.int_type": ["{field}: phải là số nguyên", "{field}: must be a whole number"],
  "validation.int_from_float": ["{field}: phải là số nguyên", "{field}: must be a whole number"],
  "validation.float_parsing": ["{field}: phải là số", "{field}: must be a number"],
  "validation.float_type": ["{field}: phải là số", "{field}: must be a number"],
  "validation.finite_number": ["{field}: phải là số hữu hạn", "{field}: must be a finite number"],
  "validation.bool_parsing": ["{field}: phải là có hoặc không", "{field}: must be true or false"],
  "validation.bool_type": ["{field}: phải là có hoặc không", "{field}: must be true or false"],
  "validation.datetime_parsing": ["{field}: không phải ngày giờ hợp lệ (ví dụ 2026-11-23T14:00:00+07:00)",
    "{field}: not a date and time (ISO 8601, e.g. 2026-11-23T14:00:00+07:00)"],
  "validation.datetime_from_date_parsing": ["{field}: không phải ngày giờ hợp lệ (ví dụ 2026-11-23T14:00:00+07:00)",
    "{field}: not a date and time (ISO 8601, e.g. 2026-11-23T14:00:00+07:00)"],
  "validation.datetime_type": ["{field}: không phải ngày giờ", "{field}: not a date and time"],
  "validation.timezone_aware": ["{field}: cần múi giờ, ví dụ +07:00", "{field}: needs a time zone, e.g. +07:00"],
  "validation.literal_error": ["{field}: phải là một trong {expected}", "{field}: must be one of {expected}"],
  "validation.enum": ["{field}: phải là một trong {expected}", "{field}: must be one of {expected}"],
  "validation.union_tag_invalid": ["{field}: không có kiểu {tag}; các kiểu hợp lệ: {expected_tags}",
    "{field}: unknown type {tag}; expected one of {expected_tags}"],
  "validation.union_tag_not_found": ["{field}: thiếu khóa {discriminator}", "{field}: the {discriminator} key is missing"],
  "validation.list_type": ["{field}: phải là một danh sách", "{field}: must be a list"],
  "validation.tuple_type": ["{field}: phải là một danh sách", "{field}: must be a list"],
  "validation.dict_type": ["{field}: phải là một đối tượng", "{field}: must be an object"],
  "validation.model_type": ["{field}: phải là một đối tượng", "{field}: must be an object"],
  "validation.model_attributes_type": ["{field}: phải là một đối tượng", "{field}: must be an object"],
  "validation.json_invalid": ["Dữ liệu gửi lên không phải JSON hợp lệ", "the request body is not valid JSON"],
  "validation.json_type": ["{field}: không phải JSON hợp lệ", "{field}: not valid JSON"],
  "validation.value_error": ["{field}: giá trị không hợp lệ ({error})", "{field}: {error}"],
  "validation.invalid": ["{field}: giá trị không hợp lệ", "{field}: invalid value"],
  "auth.login_required": ["Cần đăng nhập", "login required"],
  "auth.role_required": ["Cần vai trò: {roles}", "needs role: {roles}"],
  "auth.capability_required": ["Vai trò của bạn không được dùng chức năng: {capability}",
    "your role may not use: {capability}"],
  "auth.login_failed": ["Sai tên đăng nhập hoặc mật khẩu", "wrong user name or password"],
  "auth.locked": ["Tài khoản bị khóa tạm thời do nhập sai nhiều lần, đến {locked_until}",
    "account locked after repeated failures until {locked_until}"],
  "camera.not_found": ["Không có camera này: {camera_id}", "no such camera: {camera_id}"],
  "camera.no_footage_yet": ["Camera chưa ghi được hình nào", "no footage recorded yet"],
  "camera.snapshot_failed": ["Không lấy được ảnh từ đoạn ghi mới nhất: {reason}",
    "cannot make a still from the newest recording: {reason}"],
  "camera.id_taken": ["Đã có camera với mã này: {camera_id}", "a camera with this id exists: {camera_id}"],
  "camera.url_scheme": ["{field}: phải bắt đầu bằng rtsp:// hoặc rtsps://", "{field}: must start with rtsp:// or rtsps://"],
  "camera.url_credentials": ["{field}: không được ghi tên đăng nhập, mật khẩu trong địa chỉ; hãy nhập vào ô tên đăng nhập và mật khẩu",
    "{field}: must not embed credentials; use the user name and password fields"],
  "camera.simulated_detector": ["Bộ phát hiện mô phỏng chỉ dùng được cho camera mô phỏng",
    "the simulated detector only works for simulated cameras"],
  "camera.id_pattern": ["{field}: chỉ gồm chữ thường không dấu, chữ số, _ và -, bắt đầu bằng chữ hoặc số (tối đa 48 ký tự)",
    "{field}: lower-case letters, digits, _ and - only, starting with a letter or digit (max 48)"],
  "rule.schedule_format": ["{field}: lịch có dạng 22:00-05:00", "{field}: a schedule looks like 22:00-05:00"],
  "rule.duplicate_names": ["Hai quy tắc trùng tên: {names}", "two rules have the same name: {names}"],
  "rule.name_pattern": ["{field}: chỉ gồm chữ không dấu, chữ số, _ . và -", "{field}: letters, digits, _ . and - only"],
  "range.naive_time": ["Thời gian cần có múi giờ, ví dụ 2026-11-23T14:00:00+07:00",
    "times need a time zone, e.g. 2026-11-23T14:00:00+07:00"],
  "range.end_before_start": ["Thời điểm kết thúc phải sau thời điểm bắt đầu", "end must be after start"],
  "range.too_long.playback": ["Mỗi lần xem lại tối đa {hours} giờ; hãy chọn đoạn ngắn hơn",
    "at most {hours} hours per playback request"],
  "range.too_long.export": ["Mỗi lần trích xuất tối đa {hours} giờ", "at most {hours} hours per export"],
  "range.too_long.timeline": ["Dòng thời gian tối đa {days} ngày", "at most {days} days per timeline request"],
  "range.too_long.report": ["Mỗi báo cáo tối đa {days} ngày", "at most {days} days per report"],
  "events.search_not_allowed": ["Vai trò của bạn chỉ được xem sự kiện theo camera và thời gian",
    "your role may list events by camera and time only"],
  "events.invalid_cursor": ["Trang kết quả không hợp lệ; hãy tìm lại", "invalid cursor"],
  "event.not_found": ["Không có sự kiện này", "no such event"],
  "event.no_snapshot": ["Sự kiện này không có ảnh chụp", "this event has no snapshot"],
  "event.snapshot_missing": ["Không tìm thấy tệp ảnh chụp", "snapshot file missing"],
  "import.no_start_time": ["Kết quả phân tích không có giờ bắt đầu: hãy nhập thời điểm video bắt đầu",
    "the analysis has no start time: give the wall-clock time the video started"],
  "import.naive_start_time": ["Giờ bắt đầu cần có múi giờ, ví dụ 2026-11-23T21:14:00+07:00",
    "the start time needs a time zone, e.g. 2026-11-23T21:14:00+07:00"],
  "export.not_found": ["Không có bản trích xuất này", "no such export"],
  "export.not_ready": ["Bản trích xuất đang ở trạng thái {status}, chưa tải về được",
    "export is {status}, not ready for download"],
  "playback.no_footage": ["Không có hình ghi trong khoảng thời gian này", "no recorded footage in this range"],
  "playback.clip_failed": ["Không cắt được đoạn này từ các tệp ghi hình: {reason}",
    "cannot cut this range from the recordings: {reason}"],
  "user.name_pattern": ["{field}: chỉ gồm chữ không dấu, chữ số và _ . @ -", "{field}: letters, digits and _ . @ - only"],
  "user.unknown_cameras": ["Không có các camera: {cameras}", "unknown cameras: {cameras}"],
  "user.name_taken": ["Tên đăng nhập này đã có người dùng", "this user name is taken"],
  "user.not_found": ["Không có người dùng này", "no such user"],
  "user.self_demote": ["Không thể tự khóa hoặc hạ quyền tài khoản của chính mình",
    "you cannot disable or demote your own account"],
  "password.too_weak": ["Mật khẩu cần có: {problems}", "password needs {problems}"],
  "password.need.length": ["ít nhất {min_length} ký tự", "at least {min_length} characters"],
  "password.need.lower": ["một chữ thường", "a lower-case letter"],
  "password.need.upper": ["một chữ hoa", "an upper-case letter"],
  "password.need.digit": ["một chữ số", "a digit"],
  "password.old_wrong": ["Mật khẩu cũ không đúng", "old password is wrong"],
  "onvif.onvif_error": ["Lỗi ONVIF: {message}", "ONVIF failure: {message}"],
  "onvif.unreachable": ["Không kết nối được camera: {message}", "Cannot reach the camera: {message}"],
  "onvif.unreachable.timeout": ["Camera tại {where} không trả lời trong {timeout_s} giây. Kiểm tra camera đã có điện, đã cắm vào mạng và địa chỉ IP đúng.",
    "The camera at {where} did not answer ({what}) within {timeout_s} s"],
  "onvif.unreachable.refused": ["Camera tại {where} từ chối kết nối: sai cổng, hoặc ONVIF chưa bật trên camera",
    "The camera at {where} refused the connection: wrong port, or ONVIF is off"],
  "onvif.unreachable.no_route": ["Không có đường mạng tới {where}: kiểm tra địa chỉ IP và dây mạng",
    "No route to the camera at {where}: check the IP address and the cable"],
  "onvif.unreachable.timeout_connect": ["Kết nối tới camera tại {where} bị quá thời gian",
    "Connecting to the camera at {where} timed out"],
  "onvif.unreachable.reset": ["Camera tại {where} ngắt kết nối giữa chừng", "The camera at {where} dropped the connection"],
  "onvif.unreachable.connect": ["Không kết nối được camera tại {where} ({error}). Kiểm tra địa chỉ IP, cổng, dây mạng và nguồn điện.",
    "Cannot connect to the camera at {where} ({error})"],
  "onvif.auth_failed": ["Camera từ chối tên đăng nhập hoặc mật khẩu", "The camera refused the user name or password"],
  "onvif.auth_failed.wrong_password": ["Camera tại {where} từ chối tên đăng nhập hoặc mật khẩu. Kiểm tra lại (phân biệt chữ hoa, chữ thường); một số camera khóa tài khoản một lúc sau vài lần nhập sai.",
    "The camera at {where} refused the user name or password"],
  "onvif.auth_failed.snapshot_needs_login": ["Camera tại {where} cần tên đăng nhập và mật khẩu để lấy ảnh",
    "The camera at {where} needs a user name and password for snapshots"],
  "onvif.auth_failed.snapshot_refused": ["Camera tại {where} từ chối tên đăng nhập hoặc mật khẩu khi lấy ảnh",
    "The camera at {where} refused the user name or password for snapshots"],
  "onvif.not_onvif": ["Thiết bị này không phải camera ONVIF: {message}", "This is not an ONVIF camera: {message}"],
  "onvif.not_onvif.not_soap": ["Có thiết bị trả lời tại {where} nhưng không phải camera ONVIF (HTTP {status}). Kiểm tra cổng ONVIF (thường là 80, 8000, 8080 hoặc 8899) và bật ONVIF trong trang cấu hình của camera.",
    "Something answers at {where}, but it is not an ONVIF camera (HTTP {status})"],
  "onvif.no_h264": ["Camera không có luồng H.264 (có: {found}). Hãy đặt luồng chính và luồng phụ là H.264 trong trang cấu hình của camera rồi thử lại.",
    "The camera offers no H.264 stream (found: {found})"],
  "onvif.ptz_not_supported": ["Camera này không làm được thao tác PTZ đó", "This camera cannot do that PTZ operation"],
  "onvif.ptz_not_supported.no_service": ["Camera tại {where} không có chức năng quay/quét/phóng (PTZ)",
    "The camera at {where} has no PTZ (pan/tilt/zoom) service"],
  "onvif.ptz_not_supported.no_profile": ["Camera tại {where} chưa cấu hình PTZ cho luồng {profile}",
    "The camera at {where} has no PTZ configuration on profile {profile}"],
  "onvif.ptz_not_supported.operation": ["Camera tại {where} không hỗ trợ {what}", "The camera at {where} does not support {what}"],
  "onvif.ptz_not_supported.bad_reply": ["Camera tại {where} trả lời {what} không đọc được, nên không dùng được chức năng này",
    "The camera at {where} sent an unreadable reply to {what}"],
  "onvif.protocol_error": ["Camera trả lời theo cách máy chủ không dùng được: {message}",
    "The camera answered in a way the server cannot use: {message}"],
  "onvif.protocol_error.fault": ["Camera tại {where} từ chối {what}: {fault}", "The camera at {where} refused {what}: {fault}"],
  "onvif.protocol_error.http_status": ["Camera tại {where} trả lời {what} bằng mã HTTP {status}",
    "The camera at {where} answered {what} with HTTP {status}"],
  "onvif.protocol_error.bad_reply": ["Camera tại {where} trả lời {what} không đúng chuẩn ONVIF",
    "The camera at {where} sent a reply to {what} that is not valid ONVIF XML"],
  "onvif.protocol_error.unexpected": ["Lỗi không xác định khi làm việc với camera tại {where} ({what}): {error}",
    "Unexpected failure talking to the camera at {where} ({what}): {error}"],
  "onvif.snapshot_failed": ["Camera không trả về ảnh: {message}", "The camera did not return a snapshot: {message}"],
  "onvif.snapshot_failed.not_http": ["Địa chỉ lấy ảnh của camera không phải http(s)", "The snapshot URL is not an http(s) URL"],
  "onvif.snapshot_failed.http_status": ["Camera tại {where} trả lời yêu cầu lấy ảnh bằng mã HTTP {status}",
    "The camera at {where} answered the snapshot request with HTTP {status}"],
  "onvif.snapshot_failed.not_jpeg": ["Camera tại {where} không trả về ảnh JPEG", "The camera at {where} did not return a JPEG image for the snapshot"],
  "onvif.interface_failed": ["Không quét được từ card mạng {interface}: {error}", "cannot probe from interface {interface}: {error}"],
  "onvif.no_snapshot_uri": ["Camera này không có địa chỉ lấy ảnh", "this camera has no snapshot URI"],
  "onvif.already_registered": ["Camera này đã được thêm với mã {camera_id}", "this camera is already registered as {camera_id}"],
  "onvif.not_registered": ["Camera này không được thêm qua ONVIF", "this camera was not registered through ONVIF"],
  "onvif.address_pattern": ["{field}: nhập tên máy, địa chỉ IP hoặc địa chỉ http:// của thiết bị",
    "{field}: a host name, an IP address or an http:// device address"],
};

// Field names in validation errors (the last part of params.field), shown in the user's language.
const FIELDS = {
  vi: { password: "Mật khẩu", new_password: "Mật khẩu mới", old_password: "Mật khẩu cũ", username: "Tên đăng nhập",
    full_name: "Họ tên", id: "Mã", camera_id: "Mã camera", name: "Tên", location: "Vị trí", url: "Địa chỉ RTSP",
    sub_url: "Địa chỉ luồng phụ", sub_path: "Tệp luồng phụ", analysis_stream: "Luồng phân tích",
    retention_days: "Lưu giữ (ngày)", address: "Địa chỉ", port: "Cổng", start: "Từ", end: "Đến",
    case_number: "Số hồ sơ", reason: "Lý do", polygon: "Vùng", line: "Vạch", schedule: "Lịch", note: "Ghi chú",
    timeout_s: "Thời gian chờ", seed: "Hạt giống", scene: "Cảnh mô phỏng", path: "Đường dẫn tệp", role: "Vai trò" },
  en: { password: "Password", new_password: "New password", old_password: "Old password", username: "User name",
    full_name: "Full name", id: "ID", camera_id: "Camera ID", name: "Name", location: "Location", url: "RTSP URL",
    sub_url: "Sub stream URL", sub_path: "Sub stream file", analysis_stream: "Analysed stream",
    retention_days: "Retention (days)", address: "Address", port: "Port", start: "From", end: "To",
    case_number: "Case number", reason: "Reason", polygon: "Zone", line: "Line", schedule: "Schedule", note: "Note",
    timeout_s: "Timeout", seed: "Seed", scene: "Simulated scene", path: "File path", role: "Role" },
};
const PARAM_CODES = { roles: (r) => t(`role_${r}`), capability: (c) => t(`cap_${c}`) };

function fill(template, params) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => {
    const value = params?.[name];
    if (value === undefined || value === null) return whole;
    if (name === "field") {
      const leaf = String(value).split(".").pop();
      return FIELDS[lang][leaf] ?? String(value);
    }
    if (name.endsWith("_until") && typeof value === "string") return new Date(value).toLocaleString(locale());
    const one = (item) => (ERRORS[item] ? fill(ERRORS[item][lang === "vi" ? 0 : 1], params)
      : PARAM_CODES[name] ? PARAM_CODES[name](item) : String(item));
    return Array.isArray(value) ? value.map(one).join(", ") : one(value);
  });
}

/** The text of an API error in the current language: {code, message, params} or a validation list. */
export function errorText(detail) {
  if (Array.isArray(detail)) return detail.map(errorText).join("; ");
  if (!detail || typeof detail !== "object") return detail ? String(detail) : "";
  const texts = ERRORS[detail.code];
  if (!texts) return detail.message || detail.msg || detail.code || "";
  return fill(texts[lang === "vi" ? 0 : 1], detail.params || {});
}

/** Add a feature's error texts from its own module: addErrors({ code: [vietnamese, english], ... }). */
export function addErrors(texts) {
  for (const [key, pair] of Object.entries(texts)) {
    if (key in ERRORS && ERRORS[key].join() !== pair.join()) throw new Error(`error code defined twice: ${key}`);
    ERRORS[key] = pair;
  }
}

/** Every error code with its two texts, for the test that each API code is translated. */
export const ERROR_TEXTS = ERRORS;
