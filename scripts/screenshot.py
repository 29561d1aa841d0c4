"""Take docs/screenshot.png: sign in to a running Onramp with the demo's owner and capture a page.

    .venv/bin/python scripts/screenshot.py http://127.0.0.1:8000 [/services/] [docs/screenshot.png]

Needs `onramp run` (demo data) at that address and Chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import os
import sys

from playwright.sync_api import sync_playwright


def main() -> None:
    base = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    path = sys.argv[2] if len(sys.argv) > 2 else "/"
    out = sys.argv[3] if len(sys.argv) > 3 else "docs/screenshot.png"
    user = os.environ.get("SCREENSHOT_USER", "owner")
    password = os.environ.get("ONRAMP_DEMO_PASSWORD", "onramp-demo")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("ONRAMP_CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800}, device_scale_factor=1)
        page.goto(f"{base}/login/")
        page.get_by_label("Username").fill(user)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=out)
        browser.close()
    print(f"{out}: {base}{path} as {user}")


if __name__ == "__main__":
    main()
