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
  importHelp: "Footage handed in by residents or shops (USB stick, recorder): run “vms analyze VIDEO_FILE --json result.json” on the server, then choose result.json here. The events are filed under the chosen camera, timed from when the video started, and the import is audit-logged.",
};

// Live video and the camera wall (stream `live`).
Object.assign(VI, {
  layout: "Bố cục", fullscreen: "Toàn màn hình", savedViews: "Bố cục đã lưu", currentArrangement: "Bố cục hiện tại (chưa lưu)",
  saveView: "Lưu bố cục", saveViewAs: "Lưu thành bố cục mới…", deleteView: "Xóa bố cục", viewName: "Tên bố cục",
  viewSaved: "Đã lưu bố cục", confirmDeleteView: "Xóa bố cục đã lưu này?", secondMonitor: "Mở trên màn hình thứ hai",
  secondMonitorHint: "Mở bố cục này trong cửa sổ riêng, không có menu; kéo sang màn hình thứ hai rồi bấm Toàn màn hình",
  cameraList: "Danh sách camera", dragHint: "Kéo camera vào một ô (hoặc bấm để đưa vào ô trống)",
  emptyTile: "Kéo một camera vào đây", noPermission: "Không có quyền xem camera này", connecting: "Đang kết nối…",
  liveUnsupported: "Trình duyệt này không phát được video trực tiếp", transcoded: "chuyển mã H.264",
  backToWall: "Quay lại màn hình camera", removeFromTile: "Bỏ camera khỏi ô", mainStreamLabel: "luồng chính",
  subStreamLabel: "luồng phụ",
});
Object.assign(EN, {
  layout: "Layout", fullscreen: "Fullscreen", savedViews: "Saved views", currentArrangement: "Current layout (not saved)",
  saveView: "Save view", saveViewAs: "Save as new view…", deleteView: "Delete view", viewName: "View name",
  viewSaved: "View saved", confirmDeleteView: "Delete this saved view?", secondMonitor: "Open on a second monitor",
  secondMonitorHint: "Opens this view in its own window without menus; move it to the second monitor and press Fullscreen",
  cameraList: "Cameras", dragHint: "Drag a camera into a tile (or click it to fill an empty tile)",
  emptyTile: "Drag a camera here", noPermission: "No permission for this camera", connecting: "Connecting…",
  liveUnsupported: "This browser cannot play live video", transcoded: "transcoded to H.264",
  backToWall: "Back to the wall", removeFromTile: "Remove camera from tile", mainStreamLabel: "main stream",
  subStreamLabel: "sub stream",
});

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
      live_view_end: "Kết thúc xem trực tiếp",
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
export const AUDIT_ACTIONS = Object.keys(CODES.vi.action);
