"""Walk the built course site in headless Chromium, as a reader would (`make site-check`, the site's test).

    python tools/website_check.py http://127.0.0.1:PORT/ [--report report.json] [--screenshots DIR]

From both editions' home pages it follows every link of the site, and on each page checks that every image
has loaded (a figure with no pixels is broken), that every link inside the site lands on a page or file that
is there (and on an element with that id, for links to #anchors), that the browser logged no error, and that
the language switch lands on the page's twin in the other edition and back. Links out of the site are listed,
not followed (no network here); links to the repository's files are checked against this checkout.
Prints a summary, writes the full report as JSON, exits 1 on any problem.

Runs with the site's virtualenv (selenium) and Debian's chromium and chromium-driver.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urlparse

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
DRIVER = ("chromedriver",)

# What one page tells: the links and images as the browser resolved them, whether each image has pixels and
# is on screen, the ids anchors can land on, and the language switch.
PAGE_FACTS = """
const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
return {
  lang: document.documentElement.lang,
  title: document.title,
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  images: [...document.querySelectorAll('img')].map(img => ({
    src: img.currentSrc || img.src, loaded: img.complete && img.naturalWidth > 0, shown: visible(img),
    figure: !!img.closest('figure.output')})),
  ids: [...document.querySelectorAll('[id]')].map(el => el.id),
  switch: (document.getElementById('language-switch') || {}).href || null,
  headings: document.querySelectorAll('h1').length,
  colab: (document.querySelector('a.colab') || {}).href || null,
};
"""


def find(names: tuple[str, ...]) -> str | None:
    return next((path for path in map(shutil.which, names) if path), None)


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = find(CHROMIUM), find(DRIVER)
    if not binary or not driver:
        raise SystemExit("ERROR: headless Chromium needs Debian's `chromium` and `chromium-driver` "
                         "(apt-get install -y chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,2000", "--hide-scrollbars"):
        options.add_argument(flag)      # --no-sandbox: CI runs as root, where Chromium's sandbox refuses
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # Both paths given: selenium's own manager would otherwise try to download a driver.
    return webdriver.Chrome(options=options, service=Service(executable_path=driver))


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as err:
        return err.code


def repository_url() -> str:
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["project"]["urls"]["Repository"].rstrip("/")


def twin(url: str, base: str) -> str:
    """The same page in the other edition: X.html <-> zh/X.html."""
    path = url[len(base):]
    return base + (path.removeprefix("zh/") if path.startswith("zh/") else "zh/" + path)


def page_of(url: str) -> str:
    """A page's URL without its fragment, with a folder's index.html spelt out."""
    url = urldefrag(url).url
    return url + "index.html" if url.endswith("/") else url


def wait_for(base: str, seconds: float = 15) -> None:
    """The server may still be starting: ask until it answers."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        try:
            if status(base + "index.html") == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"ERROR: no site answers at {base} after {seconds:g} s")
        time.sleep(0.2)


def walk(base: str, screenshots: Path | None = None, shot_pages: tuple[str, ...] = ()) -> dict:
    wait_for(base)
    driver = browser()
    report = {"pages": {}, "broken_links": [], "broken_images": [], "missing_anchors": [],
              "console_errors": [], "language_switch": [], "external_links": set(),
              "repository_links_missing": []}
    repository = repository_url()
    queue, seen, anchors, files = [base + "index.html", base + "zh/index.html"], set(), [], {}
    try:
        while queue:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            driver.get(url)
            facts = driver.execute_script(PAGE_FACTS)
            for entry in driver.get_log("browser"):
                if entry["level"] == "SEVERE":
                    report["console_errors"].append({"page": url, "message": entry["message"]})
            figures = [image for image in facts["images"] if image["figure"]]
            report["pages"][url[len(base):]] = {
                "title": facts["title"], "lang": facts["lang"], "figures": len(figures),
                "figures_loaded": sum(image["loaded"] and image["shown"] for image in figures),
                "images": len(facts["images"]), "ids": len(facts["ids"]), "h1": facts["headings"],
                "colab": facts["colab"]}
            for image in facts["images"]:
                if not image["loaded"]:
                    report["broken_images"].append({"page": url, "src": image["src"]})
            files[url] = set(facts["ids"])
            for link in facts["links"]:
                target, fragment = urldefrag(link)
                if not target.startswith(base):
                    if target.startswith(repository + "/blob/main/"):
                        path = target.removeprefix(repository + "/blob/main/")
                        if not (ROOT / path).exists():
                            report["repository_links_missing"].append({"page": url, "link": link})
                    elif urlparse(target).scheme in ("http", "https"):
                        report["external_links"].add(target)
                    continue
                target = page_of(target)
                if target.endswith(".html"):
                    if fragment:
                        anchors.append((url, target, fragment))
                    if target not in seen:
                        queue.append(target)
                elif status(target) != 200:                    # a download: the notebook, a figure
                    report["broken_links"].append({"page": url, "link": link, "status": status(target)})
            if facts["switch"]:
                expected = twin(url, base)
                driver.find_element("id", "language-switch").click()
                landed = driver.current_url
                lang = driver.execute_script("return document.documentElement.lang")
                driver.find_element("id", "language-switch").click()
                back = driver.current_url
                report["language_switch"].append({"page": url, "expected": expected, "landed": landed,
                                                  "lang": lang, "back": back,
                                                  "ok": (landed == expected and back == url
                                                         and lang != facts["lang"])})
            else:
                report["language_switch"].append({"page": url, "ok": False, "landed": None})
            name = url[len(base):]
            if screenshots and name in shot_pages:
                screenshots.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(screenshots / (name.replace("/", "_").replace(".html", ".png"))))
    finally:
        driver.quit()
    for page, target, fragment in anchors:
        if target not in files:
            report["broken_links"].append({"page": page, "link": target, "status": "not a page of the site"})
        elif fragment not in files[target]:
            report["missing_anchors"].append({"page": page, "link": f"{target}#{fragment}"})
    for page in seen:
        if status(page) != 200:
            report["broken_links"].append({"page": page, "link": page, "status": status(page)})
    report["external_links"] = sorted(report["external_links"])
    return report


def problems(report: dict) -> list[str]:
    kinds = ("broken_links", "broken_images", "missing_anchors", "console_errors", "repository_links_missing")
    found = [f"{kind}: {item}" for kind in kinds for item in report[kind]]
    found += [f"language switch: {item}" for item in report["language_switch"] if not item["ok"]]
    found += [f"figures not shown on {page}: {facts['figures'] - facts['figures_loaded']} "
              f"of {facts['figures']}"
              for page, facts in report["pages"].items() if facts["figures_loaded"] != facts["figures"]]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the site's address, e.g. http://127.0.0.1:8000/")
    parser.add_argument("--report", help="write the full report here (JSON)")
    parser.add_argument("--screenshots", help="a folder for screenshots of --shoot pages")
    parser.add_argument("--shoot", default="07b_evaluate.html,zh/07b_evaluate.html",
                        help="pages to screenshot, comma-separated (default: step 7's part 2, both editions)")
    args = parser.parse_args(argv)
    base = args.base if args.base.endswith("/") else args.base + "/"
    report = walk(base, Path(args.screenshots) if args.screenshots else None, tuple(args.shoot.split(",")))
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    found = problems(report)
    figures = sum(facts["figures"] for facts in report["pages"].values())
    print(f"{len(report['pages'])} pages, {figures} figures, "
          f"{sum(item['ok'] for item in report['language_switch'])} language switches to the twin page, "
          f"{len(report['external_links'])} links out of the site (not followed): "
          f"{len(found)} problems")
    for line in found[:40]:
        print("  " + line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
