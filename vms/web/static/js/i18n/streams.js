// Camera streams (issue 11): the sub stream analysed instead of the main one, and the analysed stream's state.
import { addErrors, addStrings } from "../i18n.js";

addStrings({
  subUrl: "Địa chỉ luồng phụ (để phân tích)",
  subUrlHint: "Luồng độ phân giải thấp của camera (ví dụ stream2). Khi có luồng phụ, luồng chính chỉ được ghi, không phải giải mã: tiết kiệm CPU.",
  subPath: "Tệp luồng phụ (để phân tích)",
  simSub: "Có luồng phụ",
  analysisStream: "Luồng phân tích",
  analysisStreamHint: "Tự động: phân tích luồng phụ nếu camera có, nếu không thì luồng chính.",
  analysisAuto: "Tự động",
  analysisMain: "Luồng chính",
  analysisSub: "Luồng phụ",
  subFps: "Đặt tốc độ luồng phụ",
  subFpsHint: "Mọi khung hình của luồng phụ đều được giải mã để phân tích: đặt bằng tốc độ phân tích giúp tiết kiệm CPU.",
  subFpsRefused: "Camera không cho đặt tốc độ luồng phụ qua ONVIF; hãy đặt trong trang cấu hình của camera",
  fpsUnit: "khung hình/giây",
  subFpsNow: "hiện",
}, {
  subUrl: "Sub stream URL (for analysis)",
  subUrlHint: "The camera's low-resolution stream (e.g. stream2). With a sub stream the main stream is only recorded, never decoded: it saves CPU.",
  subPath: "Sub stream file (for analysis)",
  simSub: "Has a sub stream",
  analysisStream: "Analysed stream",
  analysisStreamHint: "Automatic: the sub stream when the camera has one, else the main stream.",
  analysisAuto: "Automatic",
  analysisMain: "Main stream",
  analysisSub: "Sub stream",
  subFps: "Set the sub stream's frame rate",
  subFpsHint: "Every sub stream frame is decoded for analysis: matching the analysis rate saves CPU.",
  subFpsRefused: "The camera does not allow setting the sub stream's frame rate over ONVIF; set it in its web page",
  fpsUnit: "fps",
  subFpsNow: "now",
});

addErrors({
  "camera.no_sub_stream": ["Muốn phân tích luồng phụ thì cần nhập địa chỉ luồng phụ",
    "analysing the sub stream needs a sub stream URL"],
});
