// Texts of the security features (evidence key fingerprint, handover form, hostile-device checks,
// account protection) and the vi/en texts of their API error codes.
import { addCodes, addStrings } from "../i18n.js";

addStrings({
  keyFingerprint: "Dấu vân tay khoá ký chứng cứ",
  keyFingerprintHint: "Công bố dấu vân tay này trên giấy (biên bản bàn giao, báo cáo định kỳ). Người nhận so sánh nó với kết quả “openssl pkey -pubin -in site_public_key.pem -outform DER | sha256sum”.",
  handover: "Biên bản bàn giao", handoverTitle: "BIÊN BẢN BÀN GIAO DỮ LIỆU VIDEO CHỨNG CỨ",
  handedBy: "Bên giao", receivedBy: "Bên nhận", manifestHash: "SHA-256 của manifest.json",
  exportSequence: "Số thứ tự trích xuất", previousManifest: "SHA-256 manifest của lần trích xuất trước",
  files: "Tệp", confirmUris: "Kiểm tra các địa chỉ camera trả về trước khi lưu",
  allowBasic: "Cho phép gửi mật khẩu dạng Basic qua HTTP không mã hoá (chỉ khi camera không hỗ trợ Digest)",
}, {
  keyFingerprint: "Evidence signing key fingerprint",
  keyFingerprintHint: "Publish this fingerprint on paper (handover form, periodic report). The receiver compares it with “openssl pkey -pubin -in site_public_key.pem -outform DER | sha256sum”.",
  handover: "Handover form", handoverTitle: "EVIDENCE VIDEO HANDOVER FORM",
  handedBy: "Handed over by", receivedBy: "Received by", manifestHash: "SHA-256 of manifest.json",
  exportSequence: "Export number", previousManifest: "SHA-256 of the previous export's manifest",
  files: "Files", confirmUris: "Check the addresses the camera returned before saving",
  allowBasic: "Allow sending the password as Basic over unencrypted HTTP (only if the camera has no Digest)",
});

addCodes("error", {
  "export.not_ready": "Trích xuất đang ở trạng thái {status}, chưa sẵn sàng",
}, {
  "export.not_ready": "Export is {status}, not ready",
});

addCodes("action", { export_signed: "Ký gói trích xuất" }, { export_signed: "Export signed" });
