"""Render the app icons (PNG) from their SVGs with Debian's Chromium: python scripts/make_icons.py."""
from pathlib import Path

from playwright.sync_api import sync_playwright

STATIC = Path(__file__).resolve().parent.parent / "static"
ICONS = [("icon.svg", "icons/icon-192.png", 192), ("icon.svg", "icons/icon-512.png", 512),
         ("icons/icon-maskable.svg", "icons/icon-maskable-192.png", 192),
         ("icons/icon-maskable.svg", "icons/icon-maskable-512.png", 512)]

with sync_playwright() as api:
    browser = api.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
    for source, target, size in ICONS:
        page = browser.new_page(viewport={"width": size, "height": size}, device_scale_factor=1)
        svg = (STATIC / source).read_text().replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)
        page.set_content(f"<html><body style='margin:0;background:transparent'>{svg}</body></html>")
        page.locator("svg").screenshot(path=str(STATIC / target), omit_background=True)
        page.close()
    browser.close()
