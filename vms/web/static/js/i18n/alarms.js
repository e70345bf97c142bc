// Texts of the alarm console (banner, sound, queue, reviews) and of the rule editor, and the vi/en
// texts of their API error codes.
import { addCodes, addErrors, addStrings } from "../i18n.js";

addStrings({
  nav_alarms: "Báo động", alarms: "Báo động", alarmQueue: "Báo động chưa xử lý", noAlarms: "Không có báo động nào chưa xử lý",
  unhandled: "chưa xử lý", newAlarms: "mới", inProgress: "đang xử lý", moreAlarms: "báo động khác",
  acknowledge: "Đã nhận", falseAlarm: "Báo động giả", handled: "Đã xử lý", openEvent: "Xem",
  reviewNote: "Ghi chú (đã thấy gì, đã làm gì)", noteRequired: "Cần ghi chú để đóng báo động",
  review_new: "Mới", review_acknowledged: "Đã nhận", review_false_alarm: "Báo động giả", review_handled: "Đã xử lý",
  reviewState: "Trạng thái xử lý", reviewHistory: "Quá trình xử lý", reviewBy: "Người xử lý",
  soundOn: "Âm thanh báo động: bật", soundBlocked: "Bấm vào đây để bật âm thanh báo động", soundOff: "Tắt tiếng",
  soundMuted: "Âm thanh báo động: tắt", showQueue: "Danh sách báo động", hideQueue: "Ẩn",
  liveDisconnected: "Mất kết nối nhận báo động, đang kết nối lại…", closedRecently: "Đã đóng trong 24 giờ qua",
  alarmOutcomes: "Báo động theo kết quả xử lý", alarmCount: "Số báo động", falseAlarmRate: "Tỷ lệ báo động giả",
  rule: "Quy tắc",
  ruleEditor: "Vùng và vạch cảnh báo (vẽ trên hình camera)", ruleType: "Loại quy tắc", ruleName: "Tên quy tắc",
  ruleSchedule: "Giờ áp dụng", ruleScheduleHint: "Giờ áp dụng dạng 22:00-05:00 (để trống = cả ngày)",
  ruleDirection: "Chiều vượt vạch", dirBoth: "Cả hai chiều", dirIn: "Chiều vào (theo mũi tên)", dirOut: "Chiều ra (ngược mũi tên)",
  ruleLane: "Chiều đi đúng của làn", lane_right: "Sang phải →", lane_left: "Sang trái ←", lane_down: "Xuống ↓", lane_up: "Lên ↑",
  ruleHintZone: "Bấm lên hình để đặt các đỉnh của vùng (ít nhất 3 điểm), rồi bấm Thêm quy tắc",
  ruleHintLine: "Bấm lên hình hai điểm: đầu và cuối vạch, rồi bấm Thêm quy tắc",
  ruleNameInvalid: "Tên quy tắc chỉ gồm chữ không dấu, số, _ . và -", ruleNameTaken: "Đã có quy tắc trùng tên",
  ruleNeedsZone: "Vùng cần ít nhất 3 điểm", ruleNeedsLine: "Vạch cần đúng 2 điểm",
  ruleUndoPoint: "Bỏ điểm cuối", ruleClearPoints: "Vẽ lại", ruleAdd: "Thêm quy tắc",
}, {
  nav_alarms: "Alarms", alarms: "Alarms", alarmQueue: "Unhandled alarms", noAlarms: "No unhandled alarms",
  unhandled: "unhandled", newAlarms: "new", inProgress: "in progress", moreAlarms: "more alarms",
  acknowledge: "Acknowledge", falseAlarm: "False alarm", handled: "Handled", openEvent: "Open",
  reviewNote: "Note (what was seen, what was done)", noteRequired: "A note is needed to close an alarm",
  review_new: "New", review_acknowledged: "Acknowledged", review_false_alarm: "False alarm", review_handled: "Handled",
  reviewState: "Review", reviewHistory: "Review history", reviewBy: "By",
  soundOn: "Alarm sound: on", soundBlocked: "Click here to turn the alarm sound on", soundOff: "Mute",
  soundMuted: "Alarm sound: off", showQueue: "Alarm queue", hideQueue: "Hide",
  liveDisconnected: "Alarm feed lost, reconnecting…", closedRecently: "Closed in the last 24 hours",
  alarmOutcomes: "Alarms by outcome", alarmCount: "Alarms", falseAlarmRate: "False-alarm rate",
  rule: "Rule",
  ruleEditor: "Zones and lines (drawn on the camera's picture)", ruleType: "Rule type", ruleName: "Rule name",
  ruleSchedule: "Active hours", ruleScheduleHint: "Active hours like 22:00-05:00 (empty = all day)",
  ruleDirection: "Crossing direction", dirBoth: "Both ways", dirIn: "In (along the arrow)", dirOut: "Out (against the arrow)",
  ruleLane: "Lane's allowed direction", lane_right: "Right →", lane_left: "Left ←", lane_down: "Down ↓", lane_up: "Up ↑",
  ruleHintZone: "Click the picture to place the zone's corners (at least 3), then Add rule",
  ruleHintLine: "Click the picture twice: start and end of the line, then Add rule",
  ruleNameInvalid: "A rule name has letters, digits, _ . and - only", ruleNameTaken: "A rule with this name exists",
  ruleNeedsZone: "A zone needs at least 3 points", ruleNeedsLine: "A line needs exactly 2 points",
  ruleUndoPoint: "Remove last point", ruleClearPoints: "Start again", ruleAdd: "Add rule",
});

addCodes("action", { event_review: "Xử lý báo động" }, { event_review: "Alarm review" });

addErrors({
  "alarm.not_an_alarm": ["Sự kiện này không phải báo động cần xử lý", "this event is not an alarm to review"],
  "alarm.bad_state": ["Trạng thái xử lý không hợp lệ", "unknown review state"],
  "alarm.already_closed": ["Báo động này đã được đóng", "this alarm is closed already"],
  "alarm.note_required": ["Cần ghi chú (đã thấy gì, đã làm gì) để đóng báo động",
    "say what was done (a note) to close an alarm"],
  "alarm.already_acknowledged": ["Báo động này đã có người nhận", "this alarm is acknowledged already"],
  "alarm.push_unavailable": ["Máy chủ chưa chạy chức năng đẩy sự kiện", "live event push is not running on this server"],
  "rule.outside_frame": ["{rule}: điểm ({x}, {y}) nằm ngoài hình của camera ({width}x{height})",
    "{rule}: the point ({x}, {y}) lies outside the camera's picture ({width}x{height})"],
});
