// Texts of the security features (evidence key fingerprint, handover form, hostile-device checks,
// account protection) and the vi/en texts of their API error codes.
import { addCodes, addErrors, addStrings } from "../i18n.js";

addStrings({
  keyFingerprint: "Dấu vân tay khoá ký chứng cứ",
  keyFingerprintHint: "Công bố dấu vân tay này trên giấy (biên bản bàn giao, báo cáo định kỳ). Người nhận so sánh nó với kết quả “openssl pkey -pubin -in site_public_key.pem -outform DER | sha256sum”.",
  handover: "Biên bản bàn giao", handoverTitle: "BIÊN BẢN BÀN GIAO DỮ LIỆU VIDEO CHỨNG CỨ",
  handedBy: "Bên giao", receivedBy: "Bên nhận", manifestHash: "SHA-256 của manifest.json",
  exportSequence: "Số thứ tự trích xuất", previousManifest: "SHA-256 manifest của lần trích xuất trước",
  files: "Tệp", confirmUris: "Kiểm tra các địa chỉ camera trả về trước khi lưu",
  allowBasic: "Cho phép gửi mật khẩu dạng Basic qua HTTP không mã hoá (chỉ khi camera không hỗ trợ Digest)",
  retentionReason: "Lý do giảm thời gian lưu giữ (chỉ quản trị viên)",
}, {
  keyFingerprint: "Evidence signing key fingerprint",
  keyFingerprintHint: "Publish this fingerprint on paper (handover form, periodic report). The receiver compares it with “openssl pkey -pubin -in site_public_key.pem -outform DER | sha256sum”.",
  handover: "Handover form", handoverTitle: "EVIDENCE VIDEO HANDOVER FORM",
  handedBy: "Handed over by", receivedBy: "Received by", manifestHash: "SHA-256 of manifest.json",
  exportSequence: "Export number", previousManifest: "SHA-256 of the previous export's manifest",
  files: "Files", confirmUris: "Check the addresses the camera returned before saving",
  allowBasic: "Allow sending the password as Basic over unencrypted HTTP (only if the camera has no Digest)",
  retentionReason: "Why retention is shortened (administrators only)",
});

addErrors({
  "onvif.uris_changed": ["Camera vừa trả về địa chỉ luồng khác với địa chỉ đã hiển thị: hãy kiểm tra kết nối lại",
    "The camera now returns other stream addresses than the ones shown: test the connection again"],
  "onvif.foreign_uri": ["Thiết bị chỉ tới một địa chỉ mà máy chủ không mở: {message}",
    "The device named an address the server will not open: {message}"],
  "onvif.foreign_uri.scheme": ["Thiết bị tại {where} trả về địa chỉ {what} dùng giao thức không được phép: {uri}",
    "The device at {where} gave a {what} address with a scheme that is not allowed: {uri}"],
  "onvif.foreign_uri.other_host": ["Thiết bị tại {where} trả về địa chỉ {what} trên một máy khác ({uri}); hệ thống không kết nối và không gửi mật khẩu tới đó",
    "The device at {where} gave a {what} address on another host ({uri}); nothing is sent there"],
  "onvif.basic_auth_refused": ["Camera tại {where} đòi gửi mật khẩu dạng không mã hoá (HTTP Basic); chỉ cho phép khi đã đánh dấu ô cho phép",
    "The camera at {where} wants its password in clear text (HTTP Basic); allowed only when the opt-in box is ticked"],
  "camera.retention_below_floor": ["Thời gian lưu giữ tối thiểu là {min_days} ngày (theo quy định)",
    "Retention must be at least {min_days} days (legal minimum)"],
  "camera.retention_lower_admin_only": ["Chỉ quản trị viên được giảm thời gian lưu giữ",
    "Only an administrator may shorten retention"],
  "camera.retention_reason_required": ["Giảm thời gian lưu giữ phải ghi rõ lý do", "Shortening retention needs a reason"],
  "playback.busy": ["Bạn đang có {limit} đoạn xem lại đang được chuẩn bị; thử lại sau giây lát",
    "You already have {limit} clips being prepared; try again in a moment"],
  "request.too_large": ["Dữ liệu gửi lên quá lớn (tối đa {limit} byte)", "The request is too large (at most {limit} bytes)"],
});

addCodes("action", { export_signed: "Ký gói trích xuất" }, { export_signed: "Export signed" });
addCodes("action", { user_unlock: "Mở khoá tài khoản" }, { user_unlock: "Account unlocked" });
