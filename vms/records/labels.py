"""Texts of the review report's PDF and spreadsheet, in Vietnamese (the official form) and English.

The web page translates in the browser; files made on the server take their words from here.
"""

from __future__ import annotations

VI: dict[str, str] = {
    "nation": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "motto": "Độc lập - Tự do - Hạnh phúc",
    "number": "Số: ....../{code}", "dated": "{place}, ngày {d} tháng {m} năm {y}",
    "title": "BÁO CÁO", "subtitle_quarter": "Sơ kết quý mô hình \u201cCamera giám sát ANTT\u201d",
    "subtitle_half_year": "Sơ kết 6 tháng mô hình \u201cCamera giám sát ANTT\u201d",
    "subtitle_year": "Tổng kết năm mô hình \u201cCamera giám sát ANTT\u201d",
    "subtitle_custom": "Kết quả mô hình \u201cCamera giám sát ANTT\u201d",
    "period": "Kỳ báo cáo: từ ngày {start} đến ngày {end}",
    "s1": "I. SỐ LƯỢNG VÀ TÌNH TRẠNG CAMERA", "s2": "II. KẾT QUẢ THEO THÔN, BẢN",
    "s3": "III. KẾT QUẢ THEO NGUỒN KINH PHÍ", "s4": "IV. KẾT QUẢ THEO TỪNG KỲ (LŨY KẾ)",
    "s5": "V. BẢO TRÌ, BẢO DƯỠNG", "s6": "VI. CAMERA ĐỀ NGHỊ SỬA CHỮA HOẶC KẾT THÚC",
    "group": "Nhóm", "hamlet": "Thôn, bản", "funder": "Nguồn kinh phí", "cameras": "Số camera",
    "planned": "Dự kiến", "active": "Hoạt động", "broken": "Hỏng", "retired": "Đã kết thúc",
    "connected": "Kết nối", "uptime": "Thời gian hoạt động", "incidents": "Vụ việc phát hiện",
    "cases": "Vụ việc được hỗ trợ (hồ sơ)", "exports": "Lần trích xuất", "false_rate": "Tỷ lệ báo động giả",
    "tickets_fixed": "Lượt sửa chữa", "cost": "Chi phí (đồng)", "total": "Tổng cộng",
    "sub_period": "Kỳ", "cum_incidents": "Lũy kế vụ việc", "cum_cases": "Lũy kế hồ sơ",
    "cum_cost": "Lũy kế chi phí (đồng)", "camera": "Camera", "reasons": "Lý do", "suggestion": "Đề nghị",
    "repair": "Sửa chữa", "retire": "Kết thúc", "broken_long": "hỏng quá 90 ngày",
    "offline_most": "mất kết nối phần lớn thời gian", "no_output": "không ghi nhận vụ việc nào",
    "none_listed": "Không có camera nào.", "imported": "Sự kiện nhập từ phân tích (không tính là phát hiện)",
    "recipients": "Nơi nhận:", "recipient_1": "- Công an cấp trên;", "recipient_2": "- Lưu: VT.",
    "sign_hint": "(Ký, ghi rõ họ tên, đóng dấu)", "key": "Mã khóa ký chứng cứ của đơn vị (SHA-256): {fp}",
    "generated": "Lập lúc {at} bởi {user}", "no_hamlet": "(chưa ghi thôn, bản)",
    "household": "Hộ gia đình", "shop": "Hộ kinh doanh", "school": "Trường học", "agency": "Cơ quan",
    "commune": "Ngân sách xã", "other": "Khác", "by_type": "Vụ việc theo loại",
    "hit_and_run": "Gây tai nạn bỏ chạy", "collision": "Va chạm", "intrusion": "Xâm nhập",
    "loitering": "Lảng vảng", "line_crossing": "Vượt vạch", "wrong_way": "Đi ngược chiều", "tamper": "Phá camera",
    "sheet_summary": "Tong hop", "sheet_cameras": "Tung camera", "sheet_periods": "Tung ky",
}

EN: dict[str, str] = {
    "nation": "SOCIALIST REPUBLIC OF VIETNAM", "motto": "Independence - Freedom - Happiness",
    "number": "No.: ....../{code}", "dated": "{place}, {y}-{m}-{d}",
    "title": "REPORT", "subtitle_quarter": "Quarterly review of the \u201cPublic-order cameras\u201d programme",
    "subtitle_half_year": "Half-year review of the \u201cPublic-order cameras\u201d programme",
    "subtitle_year": "Yearly review of the \u201cPublic-order cameras\u201d programme",
    "subtitle_custom": "Results of the \u201cPublic-order cameras\u201d programme",
    "period": "Period: {start} to {end}",
    "s1": "I. NUMBER AND STATE OF CAMERAS", "s2": "II. RESULTS BY HAMLET", "s3": "III. RESULTS BY FUNDING SOURCE",
    "s4": "IV. RESULTS BY PERIOD (CUMULATIVE)", "s5": "V. MAINTENANCE", "s6": "VI. CAMERAS TO REPAIR OR RETIRE",
    "group": "Group", "hamlet": "Hamlet", "funder": "Funding source", "cameras": "Cameras",
    "planned": "Planned", "active": "Active", "broken": "Broken", "retired": "Retired",
    "connected": "Connected", "uptime": "Uptime", "incidents": "Incidents detected",
    "cases": "Cases supported", "exports": "Exports", "false_rate": "False-alarm rate",
    "tickets_fixed": "Repairs", "cost": "Cost (VND)", "total": "Total",
    "sub_period": "Period", "cum_incidents": "Incidents to date", "cum_cases": "Cases to date",
    "cum_cost": "Cost to date (VND)", "camera": "Camera", "reasons": "Reasons", "suggestion": "Suggestion",
    "repair": "Repair", "retire": "Retire", "broken_long": "broken for over 90 days",
    "offline_most": "offline most of the period", "no_output": "recorded no incident",
    "none_listed": "No camera.", "imported": "Events imported from analyses (not counted as detections)",
    "recipients": "Recipients:", "recipient_1": "- Superior police unit;", "recipient_2": "- Archive.",
    "sign_hint": "(Signature, full name, seal)", "key": "Evidence signing key fingerprint (SHA-256): {fp}",
    "generated": "Generated {at} by {user}", "no_hamlet": "(no hamlet given)",
    "household": "Household", "shop": "Shop", "school": "School", "agency": "Agency",
    "commune": "Commune budget", "other": "Other", "by_type": "Incidents by type",
    "hit_and_run": "Hit-and-run", "collision": "Collision", "intrusion": "Intrusion",
    "loitering": "Loitering", "line_crossing": "Line crossing", "wrong_way": "Wrong way", "tamper": "Tamper",
    "sheet_summary": "Summary", "sheet_cameras": "Cameras", "sheet_periods": "Periods",
}

LABELS = {"vi": VI, "en": EN}


def labels(lang: str) -> dict[str, str]:
    return LABELS.get(lang, VI)
