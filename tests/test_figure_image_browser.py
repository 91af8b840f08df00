"""Figure pages on a phone: the image has a size before it loads and is never distorted, and
the tables' download links and toggles are 48 px touch targets (Lighthouse's debts)."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from screenshots import CHROMIUM, launch, local_only

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs Debian chromium at {CHROMIUM}"),
]

FIGURE = "figures/PMC9900001__ijms-25-01234-g002.html"
IMAGE = "https://europepmc.org/articles/PMC9900001/bin/ijms-25-01234-g002.jpg"
PHONE = {"width": 390, "height": 844}


@pytest.fixture()
def context(base):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport=PHONE, device_scale_factor=1)
        local_only(context, base)
        yield context
        browser.close()


def red_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (255, 0, 0)).save(out, "PNG")
    return out.getvalue()


def test_image_has_a_size_before_it_loads(context, base) -> None:
    page = context.new_page()
    page.goto(base + FIGURE)  # the image is not served (local only): it never loads
    image = page.locator("figure img")
    assert image.get_attribute("width") and image.get_attribute("height")


@pytest.mark.parametrize("size", [(300, 1200), (200, 100), (2400, 900)], ids=["tall", "small", "wide"])
def test_image_keeps_its_ratio_and_is_not_enlarged(context, base, size) -> None:
    width, height = size
    page = context.new_page()
    page.route(IMAGE, lambda route: route.fulfill(status=200, content_type="image/png", body=red_png(width, height)))
    page.goto(base + FIGURE, wait_until="load")
    shot = Image.open(io.BytesIO(page.locator("figure img").screenshot())).convert("RGB")
    red = [(x, y) for x in range(shot.width) for y in range(shot.height) if shot.getpixel((x, y)) == (255, 0, 0)]
    shown_w = max(x for x, _ in red) - min(x for x, _ in red) + 1
    shown_h = max(y for _, y in red) - min(y for _, y in red) + 1
    assert shown_w <= width and shown_h <= height  # never enlarged
    assert abs(shown_w / shown_h - width / height) < 0.03 * width / height + 2 / shown_h  # never distorted


def test_table_links_and_toggles_are_touch_sized(context, base) -> None:
    page = context.new_page()
    page.goto(base + FIGURE, wait_until="load")
    targets = page.locator("p.dl a, details.tbl > summary")
    assert targets.count() >= 6  # three tables: a toggle and a download link each
    for number in range(targets.count()):
        box = targets.nth(number).bounding_box()
        assert box["height"] >= 48, targets.nth(number).inner_text()
