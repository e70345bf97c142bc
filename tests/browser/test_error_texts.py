"""API errors appear in the chosen language, never as raw validator text (real service, Chromium).

The camera dialog is what an installer meets: the camera-id pattern must compile in Chromium
(otherwise the browser logs an error and never checks it), and the server's refusal of a URL with
embedded credentials must read in Vietnamese, then in English after the switch.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_ui import login

pytestmark = pytest.mark.browser


def test_camera_dialog_checks_the_id_and_words_server_errors_in_both_languages(page: Page) -> None:
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    login(page)
    page.goto("/#/cameras")
    page.click("#view .toolbar button.primary")
    dialog = page.locator("dialog form.camera-form")
    camera_id = dialog.locator("input[name=id]")
    camera_id.fill("Cổng 1")
    assert camera_id.evaluate("(input) => input.validity.patternMismatch") is True
    camera_id.fill("cong-1")
    assert camera_id.evaluate("(input) => input.validity.valid") is True
    dialog.locator("input[name=name]").fill("Cổng 1")
    dialog.locator("input[name=url]").fill("rtsp://admin:matkhau@127.0.0.1:9/live")
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator(".error")).to_have_text(
        "Địa chỉ RTSP: không được ghi tên đăng nhập, mật khẩu trong địa chỉ; "
        "hãy nhập vào ô tên đăng nhập và mật khẩu")
    assert "matkhau" not in dialog.locator(".error").inner_text()
    dialog.locator("button.ghost", has_text="Hủy").click()
    assert not [text for text in console if "pattern" in text.lower()], console

    page.click("#lang-toggle")
    page.goto("/#/cameras")
    page.click("#view .toolbar button.primary")
    dialog.locator("input[name=id]").fill("cong-1")
    dialog.locator("input[name=name]").fill("Gate 1")
    dialog.locator("input[name=url]").fill("rtsp://admin:matkhau@127.0.0.1:9/live")
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator(".error")).to_have_text(
        "RTSP URL: must not embed credentials; use the user name and password fields")


def test_password_policy_playback_limit_and_missing_camera_in_vietnamese(page: Page) -> None:
    login(page)
    texts = page.evaluate("""async () => {
        const { getJson, sendJson } = await import("/static/js/api.js");
        const failed = async (call) => { try { await call(); return null; } catch (error) { return error.message; } };
        return {
            weak: await failed(() => sendJson("POST", "/api/users", {username: "yeu", password: "abc", role: "viewer"})),
            long: await failed(() => getJson("/api/cameras/quoc-lo/playback.mp4",
                {start: "2026-01-01T00:00:00+07:00", end: "2026-01-01T03:00:00+07:00"})),
            missing: await failed(() => getJson("/api/cameras/khong-co")),
            naive: await failed(() => getJson("/api/events", {start: "2026-01-01T00:00:00"})),
        };
    }""")
    assert texts == {
        "weak": "Mật khẩu cần có: ít nhất 8 ký tự, một chữ hoa, một chữ số, "
                "không phải từ thông dụng hay một chữ lặp lại",
        "long": "Mỗi lần xem lại tối đa 2 giờ; hãy chọn đoạn ngắn hơn",
        "missing": "Không có camera này: khong-co",
        "naive": "Thời gian cần có múi giờ, ví dụ 2026-11-23T14:00:00+07:00",
    }
