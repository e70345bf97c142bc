"""The health page (issue 11 item 6) as an operator or installer meets it: live figures per camera
(decode and analysis fps, frames dropped, model runs/s) from the running service's analysed
simulated camera, the shared detector and CPU/RSS per process; refreshed while the page is open."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import service as svc
from tests.browser.test_ui import login

pytestmark = pytest.mark.browser
OPERATOR = ("trucban", svc.USERS["trucban"][0])
NUMBER = re.compile(r"^\d+(\.\d+)?$")
POSITIVE = re.compile(r"^(?!0+(\.0+)?$)\d+(\.\d+)?$")  # a figure other than 0


def number(page: Page, selector: str) -> float:
    text = page.locator(selector).inner_text().strip()
    assert NUMBER.match(text), f"{selector}: {text!r} is not a figure"
    return float(text)


def test_operator_sees_live_figures_of_the_analysed_camera(page: Page, shot) -> None:
    login(page, *OPERATOR)
    page.click("#nav a[data-route=health]")
    expect(page.locator("#view h1")).to_have_text("Tình trạng hệ thống")
    analysed = f"tr[data-camera={svc.ANALYSED}][data-reporting=yes]"
    # The worker writes its figures every 5 s; rates need two samples of the page's polling.
    expect(page.locator(analysed)).to_be_visible(timeout=60_000)
    expect(page.locator(".health-body[data-span]:not([data-span=''])")).to_be_attached(timeout=30_000)
    # Figures move with the machine's load (a loaded machine analyses in bursts): only "there and not 0".
    # The simulated detector "runs" on every analysed frame (it reads the scene's truth).
    for key in ("decode_fps", "analysis_fps", "model_runs_per_s"):
        expect(page.locator(f"{analysed} td[data-key={key}]")).to_have_text(POSITIVE, timeout=30_000)
    expect(page.locator(f"{analysed} td[data-key=frames_dropped]")).to_have_text(NUMBER)
    expect(page.locator(f"{analysed} td[data-key=lag_s]")).to_have_text(NUMBER)
    # The other cameras only record: said so, no made-up figures.
    for camera_id in [c[0] for c in svc.CAMERAS if c[0] != svc.ANALYSED]:
        expect(page.locator(f"tr[data-camera={camera_id}][data-reporting=no]")).to_contain_text("không phân tích")
    # Processes: the web server and the analysed camera's worker, with CPU % and RSS.
    web = "tr[data-process=web]"
    expect(page.locator(f"{web} td[data-key=cpu_pct]")).to_have_text(NUMBER, timeout=15_000)
    assert number(page, f"{web} td[data-key=rss_mb]") > 20
    # The process serving the analysed camera: `camera:ID`, or `camera:ID1,ID2,...` when one process
    # serves several cameras (`workers.cameras_per_process`, 4 by default).
    names = page.locator("tr[data-process^='camera:']").evaluate_all("rows => rows.map(r => r.dataset.process)")
    serving = [n for n in names if svc.ANALYSED in n.split(":", 1)[1].split(",")]
    assert len(serving) == 1, f"no single process row serves {svc.ANALYSED}: {names}"
    worker = f"tr[data-process='{serving[0]}']"
    expect(page.locator(f"{worker} td[data-key=cpu_pct]")).to_have_text(POSITIVE, timeout=15_000)
    assert number(page, f"{worker} td[data-key=rss_mb]") > 20
    expect(page.locator(".health-detector dd[data-key=up]")).to_be_visible()
    # Live: the figures are sampled again while the page stays open.
    stamp = page.locator(".health-stamp").inner_text()
    expect(page.locator(".health-stamp")).not_to_have_text(stamp, timeout=20_000)
    shot(page, "50_health", full_page=False, readme="health")


def test_installer_reads_it_in_english_and_a_viewer_may_not(page: Page, browser, service: svc.Service) -> None:
    login(page, "lapdat", svc.USERS["lapdat"][0])
    page.click("#lang-toggle")
    page.goto("/#/health")
    expect(page.locator("#view h1")).to_have_text("System health")
    expect(page.locator(f"tr[data-camera={svc.ANALYSED}] td[data-key=analysis_fps]")).to_have_text(NUMBER,
                                                                                                   timeout=60_000)
    expect(page.locator(".health-cameras thead")).to_contain_text("Model runs/s")
    page.click("#lang-toggle")  # back to Vietnamese: the language choice is remembered per browser
    page.click("#logout")
    login(page, *svc.VIEWER)
    expect(page.locator("#nav a[data-route=health]")).to_have_count(0)
    page.goto("/#/health")
    expect(page.locator("#view .error")).to_have_text("Bạn không có quyền xem trang này")
