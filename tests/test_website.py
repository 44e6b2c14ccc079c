"""The course as a website (`make site`): its staging, its renderer, and the built site in headless Chromium.

The browser test builds both editions from the tests' chains (the offline chain for English, the smoke chain
for Chinese: together they execute every notebook of both editions without a third chain), serves the site on
127.0.0.1, walks every page with tools/website_check.py and stops the server by its PID.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, load_script

WEBSITE = load_script("tools/website.py")
RENDER = load_script("tools/website_theme/render.py")
CHECK = load_script("tools/website_check.py")
SITE_PYTHON = ROOT / ".venv-site" / "bin" / "python"
REPOSITORY = WEBSITE.repository_url()


# --- staging: links from the repository's layout to the site's ---------------------------------------------
@pytest.mark.parametrize(("target", "source_dir", "page", "edition", "expected"), [
    # the README, the English home page
    ("notebooks/01_define_the_goal.ipynb", "", "index.md", "en", "01_define_the_goal.ipynb"),
    ("notebooks/bonus/cheaper_fine_tuning.ipynb", "", "index.md", "en", "bonus/cheaper_fine_tuning.ipynb"),
    ("README.zh-CN.md", "", "index.md", "en", "zh/index.html"),
    ("notebooks/images/bench_throughput.png", "", "index.md", "en", "images/bench_throughput.png"),
    ("src/finetune_course/train.py", "", "index.md", "en",
     f"{REPOSITORY}/blob/main/src/finetune_course/train.py"),
    ("https://github.com/vtuber-plan/olah", "", "index.md", "en", "https://github.com/vtuber-plan/olah"),
    ("#measured-results", "", "index.md", "en", "#measured-results"),
    # the Chinese README, the Chinese home page
    ("notebooks/zh/01_define_the_goal.ipynb", "", "zh/index.md", "zh", "01_define_the_goal.ipynb"),
    ("README.md#measured-results", "", "zh/index.md", "zh", "../index.html#measured-results"),
    ("notebooks/glossary.md", "", "zh/index.md", "zh", "glossary.md"),
    # a Chinese notebook one folder down: the glossary is the edition's own copy
    ("../../glossary.md", "notebooks/zh/bonus", "zh/bonus/cheaper_fine_tuning.ipynb", "zh", "../glossary.md"),
    ("../07b_evaluate.ipynb", "notebooks/zh/bonus", "zh/bonus/cheaper_fine_tuning.ipynb", "zh",
     "../07b_evaluate.ipynb"),
    # the glossary's link to the Chinese edition, from each edition's copy
    ("zh/01_define_the_goal.ipynb", "notebooks", "glossary.md", "en", "zh/01_define_the_goal.html"),
    ("zh/01_define_the_goal.ipynb", "notebooks", "zh/glossary.md", "zh", "01_define_the_goal.ipynb"),
])
def test_links_are_rewritten_to_the_sites_layout(target, source_dir, page, edition, expected):
    assert WEBSITE.rewrite_link(target, source_dir, page, edition, REPOSITORY) == expected


def test_mentions_are_escaped_outside_code_only():
    """MyST reads `@word` as a citation: the course's @mentions are escaped, code is left alone."""
    text = "an @mention, `@code` and\n```\n@fenced\n```\n[a](notebooks/glossary.md)"
    staged = WEBSITE.stage_markdown(text, "", "index.md", "en", REPOSITORY)
    assert staged == "an \\@mention, `@code` and\n```\n@fenced\n```\n[a](glossary.md)"


def test_the_colab_badge_becomes_a_text_link_and_the_set_up_cell_is_left_out(tmp_path):
    """The site loads nothing from other hosts, and the set-up cell only ever says "Not on Colab" there."""
    colab = load_script("tools/colab.py")
    notebook = ROOT / "notebooks" / "07b_evaluate.ipynb"
    badge = colab.badge_source(notebook, "en")
    assert WEBSITE.stage_markdown(badge, "notebooks", "07b_evaluate.ipynb", "en", REPOSITORY) == \
        f"[Open In Colab]({colab.colab_url(notebook)})"
    staged = tmp_path / "07b_evaluate.ipynb"
    source = tmp_path / "source.ipynb"
    title = {"cell_type": "markdown", "id": "07b-00", "metadata": {}, "source": "# Step 7 of 7, part 2"}
    source.write_text(json.dumps({"cells": [colab.badge_cell(notebook, "en"), colab.setup_cell(), title],
                                  "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    WEBSITE.stage_notebook(source, staged, "notebooks", "07b_evaluate.ipynb", "en", REPOSITORY)
    cells = json.loads(staged.read_text())["cells"]
    # the title first again (MyST lifts it out as the page's title), the badge a tagged text link below it
    assert [cell["id"] for cell in cells] == ["07b_evaluate-07b-00", "07b_evaluate-colab-badge",
                                              "07b_evaluate-colab-setup"]
    assert "colab-badge" in cells[1]["metadata"]["tags"] and "colab-badge.svg" not in cells[1]["source"]
    assert "remove-cell" in cells[2]["metadata"]["tags"]
    assert RENDER.Page("x.html", {}, set()).render({"type": "block", "visibility": "remove", "children": [
        {"type": "text", "value": "Not on Colab"}]}) == ""


def test_the_site_refuses_missing_or_stale_notebooks(tmp_path):
    folders = WEBSITE.executed_folders(tmp_path)
    with pytest.raises(WEBSITE.SiteError, match="make execute-all PROFILE="):
        WEBSITE.check_executed(folders, allow_stale=False)
    # every notebook "executed", one of them from other code than the committed
    for edition, layout in WEBSITE.EDITIONS.items():
        for name in WEBSITE.course_notebooks(edition):
            notebook = json.loads((ROOT / layout["notebooks"] / name).read_text())
            for cell in notebook["cells"]:
                if cell["cell_type"] == "code":
                    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "ran"}]
            target = folders[edition] / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(notebook))
    WEBSITE.check_executed(folders, allow_stale=False)
    stale = folders["zh"] / WEBSITE.course_notebooks("zh")[0]
    notebook = json.loads(stale.read_text())
    next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")["source"] = "print('old')"
    stale.write_text(json.dumps(notebook))
    with pytest.raises(WEBSITE.SiteError, match="older code"):
        WEBSITE.check_executed(folders, allow_stale=False)
    WEBSITE.check_executed(folders, allow_stale=True)


# --- the renderer ------------------------------------------------------------------------------------------
def test_the_renderer_shows_outputs_links_and_refuses_unknown_nodes():
    assets = set()
    page = RENDER.Page("bonus/cheaper_fine_tuning.html", {"b-evaluate": "07b_evaluate.html"}, assets)
    tree = {"type": "root", "children": [
        {"type": "paragraph", "children": [
            {"type": "link", "url": "/b-evaluate#id-7-10", "internal": True, "children": [
                {"type": "text", "value": "step 7 <b>"}]}]},
        {"type": "outputs", "children": [
            {"type": "output", "jupyter_data": {"output_type": "stream", "name": "stderr",
                                                "text": "\x1b[1mLOAD REPORT\x1b[0m"}},
            {"type": "output", "jupyter_data": {"output_type": "display_data", "data": {
                "image/png": {"path": "/abc.png"}, "text/plain": {"content": "<Figure>"}}}}]}]}
    html = page.render(tree)
    assert '<a href="../07b_evaluate.html#id-7-10">step 7 &lt;b&gt;</a>' in html
    assert '<pre class="output stderr">LOAD REPORT</pre>' in html          # no terminal escape codes
    assert '<img src="../assets/abc.png" alt="&lt;Figure&gt;">' in html and assets == {"abc.png"}
    with pytest.raises(RENDER.UnknownNode, match="mystery"):
        page.render({"type": "mystery"})


def test_a_link_to_another_pages_heading_keeps_its_anchor():
    # MyST's reference to the README's heading from a notebook: the index page's url "/", the heading apart
    page = RENDER.Page("bonus/cheaper_fine_tuning.html", {"": "index.html"}, set())
    reference = {"type": "crossReference", "url": "/", "kind": "heading", "html_id": "h-6281b1cf11",
                 "children": [{"type": "text", "value": "README"}]}
    assert page.render(reference) == '<a href="../index.html#h-6281b1cf11">README</a>'


def test_headings_that_a_link_names_get_a_label_of_their_own():
    markdown = "[below](#across-seeds)\n\n## Across seeds\n\n## Layout\n\n## 你自己的任务\n"
    labelled = WEBSITE.label_headings(markdown)
    assert "(across-seeds)=\n## Across seeds" in labelled       # no warning of an implicit heading link
    assert "(layout)=" not in labelled
    assert f"({WEBSITE.heading_label('你自己的任务')})=\n## 你自己的任务" in labelled


@pytest.mark.parametrize(("edition", "other_root", "path", "twin"), [
    ("en", "zh/", "index.html", "zh/index.html"),
    ("en", "zh/", "bonus/cheaper_fine_tuning.html", "../zh/bonus/cheaper_fine_tuning.html"),
    ("zh", "../", "07b_evaluate.html", "../07b_evaluate.html"),
    ("zh", "../", "bonus/cheaper_fine_tuning.html", "../../bonus/cheaper_fine_tuning.html"),
])
def test_the_language_switch_links_the_twin_page(monkeypatch, edition, other_root, path, twin):
    monkeypatch.setenv("SITE_OTHER_ROOT", other_root)
    page = RENDER.page_html(edition, "Course", path, "Title", "", [("index.html", "Home")], None)
    assert f'href="{twin}">' in page and RENDER.CHROME[edition]["switch"] in page


def test_the_site_tools_are_pinned_and_ci_installs_the_browser():
    lines = [line for line in (ROOT / "requirements-site.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines and all("==" in line for line in lines)
    assert "make --no-print-directory browser" in (ROOT / ".ci" / "run").read_text()


# --- the built site, in a browser --------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def figures_in(folder: Path, edition: str) -> dict[str, int]:
    """The figures each executed notebook holds: the site must show each of them."""
    prefix = "zh/" if edition == "zh" else ""
    found = {}
    for name in WEBSITE.course_notebooks(edition):
        notebook = json.loads((folder / name).read_text())
        outputs = [output for cell in notebook["cells"] for output in cell.get("outputs", [])]
        page = prefix + name.replace(".ipynb", ".html")
        found[page] = sum("image/png" in output.get("data", {}) for output in outputs)
    return found


def test_the_site_builds_and_every_page_works_in_chromium(offline_run, smoke_run, tmp_path):
    if not (CHECK.find(CHECK.CHROMIUM) and CHECK.find(CHECK.DRIVER)):
        pytest.skip("headless Chromium needs Debian's chromium and chromium-driver "
                    "(`make browser` installs them)")
    subprocess.run(["make", "--no-print-directory", "site-setup"], cwd=ROOT, check=True, capture_output=True)
    site = tmp_path / "site"
    started = time.perf_counter()
    built = subprocess.run([str(SITE_PYTHON), "tools/website.py", "build",
                            "--executed", str(offline_run["out"]), "--executed-zh", str(smoke_run["out"]),
                            "--out", str(site)],
                           cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    assert built.returncode == 0, built.stdout + built.stderr
    assert seconds < 180, f"the site took {seconds:.0f} s to build"

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory",
                               str(site), str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        report_file = tmp_path / "report.json"
        checked = subprocess.run([str(SITE_PYTHON), "tools/website_check.py", f"http://127.0.0.1:{port}/",
                                  "--report", str(report_file), "--screenshots", str(tmp_path / "shots")],
                                 cwd=ROOT, capture_output=True, text=True, timeout=600)
    finally:
        os.kill(server.pid, 15)                        # stopped by its PID, whatever the check said
        server.wait(timeout=10)
    assert not answers(port), f"the site's server still listens on {port}"
    assert checked.returncode == 0, checked.stdout + checked.stderr
    report = json.loads(report_file.read_text())

    expected = {**figures_in(offline_run["out"], "en"), **figures_in(smoke_run["out"], "zh")}
    pages = {page: facts for page, facts in report["pages"].items() if page in expected}
    assert {page: facts["figures_loaded"] for page, facts in pages.items()} == expected
    assert sum(expected.values()) > 0
    every_page = {*expected, "index.html", "glossary.html", "zh/index.html", "zh/glossary.html"}
    assert set(report["pages"]) == every_page
    assert all(item["ok"] for item in report["language_switch"]) and len(report["language_switch"]) == 22
    assert not (report["broken_links"] or report["broken_images"] or report["missing_anchors"]
                or report["console_errors"] or report["repository_links_missing"])
    assert {facts["lang"] for page, facts in report["pages"].items() if page.startswith("zh/")} == {"zh-CN"}
    assert {facts["h1"] for facts in report["pages"].values()} == {1}           # the title, once
    for page in expected:            # each notebook's page links the notebook itself on Colab
        notebook = "notebooks/" + page.replace(".html", ".ipynb")
        assert report["pages"][page]["colab"].endswith(f"/blob/main/{notebook}"), page
    # the screenshots of step 7's part 2, one per edition, are images a person can look at
    for shot in ("07b_evaluate.png", "zh_07b_evaluate.png"):
        assert (tmp_path / "shots" / shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
