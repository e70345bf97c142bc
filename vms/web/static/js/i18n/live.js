// Texts of live video and the camera wall (layouts, saved views, tile states), and the vi/en texts
// of their API error codes and audit actions.
import { addCodes, addErrors, addStrings } from "../i18n.js";

addStrings({
  layout: "Bố cục", fullscreen: "Toàn màn hình", savedViews: "Bố cục đã lưu", currentArrangement: "Bố cục hiện tại (chưa lưu)",
  saveView: "Lưu bố cục", saveViewAs: "Lưu thành bố cục mới…", deleteView: "Xóa bố cục", viewName: "Tên bố cục",
  viewSaved: "Đã lưu bố cục", confirmDeleteView: "Xóa bố cục đã lưu này?", secondMonitor: "Mở trên màn hình thứ hai",
  secondMonitorHint: "Mở bố cục này trong cửa sổ riêng, không có menu; kéo sang màn hình thứ hai rồi bấm Toàn màn hình",
  cameraList: "Danh sách camera", dragHint: "Kéo camera vào một ô (hoặc bấm để đưa vào ô trống)",
  emptyTile: "Kéo một camera vào đây", noPermission: "Không có quyền xem camera này", connecting: "Đang kết nối…",
  liveUnsupported: "Trình duyệt này không phát được video trực tiếp", transcoded: "chuyển mã H.264",
  backToWall: "Quay lại màn hình camera", removeFromTile: "Bỏ camera khỏi ô", mainStreamLabel: "luồng chính",
  subStreamLabel: "luồng phụ",
}, {
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

addCodes("action", { live_view_end: "Kết thúc xem trực tiếp" }, { live_view_end: "Live view ended" });

addErrors({
  "wall_view.not_found": ["Không tìm thấy bố cục đã lưu này", "No such saved view"],
  "wall_view.name_taken": ["Bạn đã có một bố cục tên {name}", "You already have a view named {name}"],
  "wall_view.too_many": ["Mỗi người dùng lưu được tối đa {limit} bố cục", "At most {limit} saved views per user"],
  "wall_view.unknown_camera": ["Không có camera {camera_id}", "No such camera: {camera_id}"],
  "wall_view.too_many_tiles": ["{count} camera không vừa bố cục {layout} ô",
    "{count} cameras do not fit a layout of {layout} tiles"],
});
