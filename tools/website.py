"""The course as a static website, both editions, built with Jupyter Book 2: `make site`, `make site-serve`.

    python tools/website.py build [--executed build/offline] [--out build/site]
    python tools/website.py serve [--out build/site] [--port 8000]

`build` stages a copy of a chain's executed notebooks (never the committed ones, which have no outputs) with
the README as the home page and the glossary, one Jupyter Book project per edition, then runs
`jupyter-book build --html` on both side by side. Jupyter Book parses everything (MyST markdown, notebook
outputs, math) and our own site template (tools/website_theme/) writes the pages: English at the site's root,
Chinese under zh/, each page at its notebook's path with .html, so that the language switch lands on the twin.

Run it with the site's own virtualenv (`.venv-site/`, requirements-site.txt), which `make site` makes; the
renderer needs nothing but the standard library.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THEME = ROOT / "tools" / "website_theme"
# Each edition: its notebooks' folder in the repository, its README, its folder in the site.
EDITIONS = {"en": {"notebooks": "notebooks", "readme": "README.md", "prefix": ""},
            "zh": {"notebooks": "notebooks/zh", "readme": "README.zh-CN.md", "prefix": "zh/"}}
STEP_NOTEBOOK = re.compile(r"\d\d[a-z]?_.+\.ipynb")
LINK = re.compile(r"(?P<open>\]\(|(?:src|href)=\")(?P<target>[^)\"\s]+)")
URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:")
# The notebooks' Open-in-Colab badge: on the site a text link, as the site loads nothing from other hosts.
COLAB_BADGE = re.compile(r"\[!\[([^\]]*)\]\(https://colab\.research\.google\.com/assets/[^)\s]+\)\]\(([^)\s]+)\)")
# tools/colab.py's cells: the set-up cell does nothing off Colab, so the site leaves it out; the badge goes
# below the title (the theme shows it beside the notebook's download), so that MyST takes the title as before.
SETUP_CELL, BADGE_CELL = "colab-setup", "colab-badge"


class SiteError(RuntimeError):
    """What stops the build, said so that the fix is clear."""


def repository_url() -> str:
    """The repository's address: one setting, `[project.urls] Repository` in pyproject.toml."""
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["project"]["urls"]["Repository"].rstrip("/")


def course_notebooks(edition: str) -> list[str]:
    """The seven steps' notebooks and the bonus, as paths inside the edition's folder, in course order."""
    folder = ROOT / EDITIONS[edition]["notebooks"]
    steps = sorted(nb.name for nb in folder.glob("*.ipynb") if STEP_NOTEBOOK.fullmatch(nb.name))
    return steps + sorted(f"bonus/{nb.name}" for nb in (folder / "bonus").glob("*.ipynb"))


# --- links: the repository's layout -> the site's --------------------------------------------------------
def site_path(repo_path: str, edition: str) -> str | None:
    """Where a repository file lives in the site (from the site's root), or None when it is not part of it.
    The glossary and images are shared by the editions in the repository; each edition has its own copy."""
    if repo_path == "README.md":
        return "index.md"
    if repo_path == "README.zh-CN.md":
        return "zh/index.md"
    prefix = EDITIONS[edition]["prefix"]
    if repo_path == "notebooks/glossary.md" or repo_path.startswith("notebooks/images/"):
        return prefix + repo_path.removeprefix("notebooks/")
    if repo_path.startswith("notebooks/zh/"):
        return "zh/" + repo_path.removeprefix("notebooks/zh/")
    if repo_path.startswith("notebooks/"):
        return repo_path.removeprefix("notebooks/")
    return None


def edition_of(path: str) -> str:
    return "zh" if path.startswith("zh/") else "en"


def rewrite_link(target: str, source_dir: str, page: str, edition: str, repository: str) -> str:
    """A relative link of a file from `source_dir` (in the repository) as written on site page `page`: a page
    of the same edition stays a source path (Jupyter Book resolves it), one of the other edition becomes its
    .html page, and any other file of the repository a link to it on the repository's site."""
    if URL_SCHEME.match(target):
        return target
    if target.startswith("#"):
        return "#" + heading_label(target[1:])
    path, hash_, fragment = target.partition("#")
    fragment = heading_label(fragment) if fragment else fragment
    repo_path = posixpath.normpath(posixpath.join(source_dir, path))
    where = site_path(repo_path, edition)
    if where is None:
        return f"{repository}/blob/main/{repo_path}{hash_}{fragment}"
    if edition_of(where) != edition and where.endswith((".ipynb", ".md")):
        where = posixpath.splitext(where)[0] + ".html"
    return posixpath.relpath(where, posixpath.dirname(page) or ".") + hash_ + fragment


def heading_label(fragment: str) -> str:
    """MyST drops CJK characters from a heading's id, so a Chinese heading's GitHub anchor (#从中国大陆开始…)
    finds no target on the site: such anchors become an ASCII label of their own, set above the heading."""
    fragment = urllib.parse.unquote(fragment)
    if fragment.isascii():
        return fragment
    return "h-" + hashlib.sha256(fragment.encode()).hexdigest()[:10]


def github_anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation (full-width too) dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def label_headings(markdown: str) -> str:
    """A `(label)=` above each heading (outside fenced code) whose GitHub anchor MyST would not keep, or which
    a link of the page names (MyST warns of a link to a heading's implicit id)."""
    linked = {urllib.parse.unquote(target) for target in re.findall(r"\]\(#([^)\s]+)\)", markdown)}
    lines, in_code = [], False
    for line in markdown.splitlines():
        in_code ^= line.startswith("```")
        heading = re.match(r"#{1,6} (.+)$", line)
        if heading and not in_code and (not github_anchor(heading[1]).isascii()
                                        or github_anchor(heading[1]) in linked):
            lines.append(f"({heading_label(github_anchor(heading[1]))})=")
        lines.append(line)
    return "\n".join(lines) + "\n"


def outside_code(text: str, change) -> str:
    """Apply `change` to the markdown outside fenced code blocks and inline code spans."""
    parts = re.split(r"(^```.*?^```[^\n]*$|`[^`\n]+`)", text, flags=re.S | re.M)
    return "".join(part if i % 2 else change(part) for i, part in enumerate(parts))


def stage_markdown(text: str, source_dir: str, page: str, edition: str, repository: str) -> str:
    def change(part: str) -> str:
        part = COLAB_BADGE.sub(r"[\1](\2)", part)

        def fix(match):
            return match["open"] + rewrite_link(match["target"], source_dir, page, edition, repository)
        part = LINK.sub(fix, part)
        # MyST reads `@word` as a citation; the course's @mentions are tweets' mentions.
        return re.sub(r"(?<![\w\\])@(?=\w)", r"\\@", part)
    return outside_code(text, change)


# --- staging ---------------------------------------------------------------------------------------------
def executed_folders(executed: Path, executed_zh: Path | None = None) -> dict[str, Path]:
    """Each edition's executed notebooks: a chain's output folder holds the English ones, and the Chinese
    ones under zh/ (`make execute-all ... EDITION=zh`), unless they come from another run."""
    return {"en": executed, "zh": executed_zh or executed / "zh"}


def code_sources(notebook: dict) -> list[str]:
    """The code cells a run executed, without papermill's injected parameters."""
    return ["".join(cell["source"]) for cell in notebook["cells"]
            if cell["cell_type"] == "code" and "injected-parameters" not in cell["metadata"].get("tags", [])]


def check_executed(folders: dict[str, Path], allow_stale: bool) -> None:
    """Every notebook of both editions executed, from the committed code (else the site would show old
    outputs under new code)."""
    missing, unexecuted, stale = [], [], []
    for edition in EDITIONS:
        for name in course_notebooks(edition):
            path = folders[edition] / name
            if not path.is_file():
                missing.append(str(path))
                continue
            run = json.loads(path.read_text(encoding="utf-8"))
            if not any(cell.get("outputs") for cell in run["cells"] if cell["cell_type"] == "code"):
                unexecuted.append(str(path))
            committed = json.loads((ROOT / EDITIONS[edition]["notebooks"] / name).read_text(encoding="utf-8"))
            if code_sources(run) != code_sources(committed):
                stale.append(str(path))
    profile = folders["en"].name
    hint = (f"run `make execute-all PROFILE={profile}` and `make execute-all PROFILE={profile} EDITION=zh` "
            "first (about ten minutes each on a laptop CPU)")
    if missing:
        raise SiteError(f"no executed notebook at {', '.join(missing)}: {hint}")
    if unexecuted:
        raise SiteError(f"these notebooks have no outputs: {', '.join(unexecuted)}: {hint}")
    if stale and not allow_stale:
        raise SiteError(f"these executed notebooks ran older code than the committed notebooks: "
                        f"{', '.join(stale)}: {hint}, or build anyway with --allow-stale")


def markdown_outputs_as_html(cell: dict) -> None:
    """Jupyter Book 2 passes a `text/markdown` output on unparsed (its own themes parse it in the browser):
    give each one its HTML, as JupyterLab shows it."""
    import mistune

    to_html = mistune.create_markdown(plugins=["table", "strikethrough"])
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "text/markdown" in data and "text/html" not in data:
            data["text/html"] = to_html("".join(data["text/markdown"]))


def stage_notebook(source: Path, target: Path, repo_dir: str, page: str, edition: str,
                   repository: str) -> None:
    notebook = json.loads(source.read_text(encoding="utf-8"))
    stem = Path(page).stem
    cells = notebook["cells"]
    colab = [cell for cell in cells[:2] if cell.get("id") in (BADGE_CELL, SETUP_CELL)]
    if colab:           # [badge, set-up, title, ...] -> [title, badge, set-up, ...]: MyST lifts the title out
        del cells[:len(colab)]
        for cell in colab:          # the theme finds the badge by its tag
            tags = cell["metadata"].setdefault("tags", [])
            tags += [] if cell["id"] in tags else [cell["id"]]
        cells[1:1] = colab
    for cell in cells:
        # Jupyter Book makes each cell id an anchor of the whole project: two notebooks' "07-01" would clash.
        if SETUP_CELL in cell["metadata"].get("tags", []):
            cell["metadata"]["tags"] = [*cell["metadata"]["tags"], "remove-cell"]    # MyST leaves it out
        if cell.get("id"):
            cell["id"] = f"{stem}-{cell['id']}"
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"])
            cell["source"] = stage_markdown(text, repo_dir, page, edition, repository)
        markdown_outputs_as_html(cell)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(notebook, ensure_ascii=False, indent=1), encoding="utf-8")


def first_heading(markdown: str) -> str:
    return next(line[2:].strip() for line in markdown.splitlines() if line.startswith("# "))


def stage(folders: dict[str, Path], stage_dir: Path) -> dict[str, Path]:
    """One Jupyter Book project per edition under `stage_dir`; returns their folders."""
    repository = repository_url()
    shutil.rmtree(stage_dir, ignore_errors=True)
    projects = {}
    for edition, layout in EDITIONS.items():
        project = stage_dir / edition
        prefix = layout["prefix"]
        readme = (ROOT / layout["readme"]).read_text(encoding="utf-8")
        project.mkdir(parents=True)
        (project / "index.md").write_text(
            label_headings(stage_markdown(readme, "", prefix + "index.md", edition, repository)),
            encoding="utf-8")
        glossary = (ROOT / "notebooks" / "glossary.md").read_text(encoding="utf-8")
        (project / "glossary.md").write_text(
            stage_markdown(glossary, "notebooks", prefix + "glossary.md", edition, repository),
            encoding="utf-8")
        shutil.copytree(ROOT / "notebooks" / "images", project / "images")
        notebooks = course_notebooks(edition)
        for name in notebooks:
            source_dir = posixpath.dirname(f"{layout['notebooks']}/{name}")
            stage_notebook(folders[edition] / name, project / name, source_dir,
                           prefix + name, edition, repository)
        toc = "\n".join(f"    - file: {name}" for name in ["index.md", *notebooks, "glossary.md"])
        (project / "myst.yml").write_text(
            "# Staged by tools/website.py from executed notebooks; rebuilt by every `make site`.\n"
            "version: 1\nproject:\n"
            f"  title: {json.dumps(first_heading(readme), ensure_ascii=False)}\n"
            f"  toc:\n{toc}\n"
            f"site:\n  template: {json.dumps(str(THEME))}\n", encoding="utf-8")
        projects[edition] = project
    return projects


# --- building --------------------------------------------------------------------------------------------
def jupyter_book() -> Path:
    executable = Path(sys.executable).parent / "jupyter-book"
    if not executable.is_file():
        raise SiteError(f"no jupyter-book beside {sys.executable}: run this with the site's virtualenv "
                        "(`make site` makes .venv-site/ from requirements-site.txt)")
    return executable


def build_editions(projects: dict[str, Path]) -> None:
    """`jupyter-book build --html` on both projects at once, each with its own content server on 127.0.0.1."""
    started = {}
    for edition, project in projects.items():
        env = {**os.environ, "HOST": "127.0.0.1", "SITE_EDITION": edition,
               "SITE_OTHER_ROOT": "../" if edition == "zh" else "zh/",
               # the renderer runs as `python render.py`: this virtualenv's python
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        log = open(project / "build.log", "w")
        started[edition] = (subprocess.Popen([str(jupyter_book()), "build", "--html"], cwd=project, env=env,
                                             stdout=log, stderr=subprocess.STDOUT), log)
    failed = []
    for edition, (process, log) in started.items():
        code = process.wait()
        log.close()
        text = (projects[edition] / "build.log").read_text()
        problems = [line for line in text.splitlines() if line.startswith(("⛔", "⚠")) or "ERROR" in line]
        if code != 0 or problems or not (projects[edition] / "_build" / "html" / "index.html").is_file():
            failed.append(f"{edition} (exit code {code}):\n" + "\n".join(problems or text.splitlines()[-20:]))
    if failed:
        raise SiteError("Jupyter Book reported problems:\n" + "\n".join(failed))


def build(folders: dict[str, Path], out: Path, allow_stale: bool = False) -> float:
    started = time.perf_counter()
    check_executed(folders, allow_stale)
    projects = stage(folders, out.parent / f"{out.name}-staging")
    build_editions(projects)
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(projects["en"] / "_build" / "html", out)
    shutil.copytree(projects["zh"] / "_build" / "html", out / "zh")
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    making = commands.add_parser("build", help="stage the executed notebooks and build both editions")
    making.add_argument("--executed", default=str(ROOT / "build" / "offline"),
                        help="a chain's executed notebooks, Chinese under zh/ (default: build/offline)")
    making.add_argument("--executed-zh", help="the Chinese edition's executed notebooks, when they come from "
                                              "another run (default: zh/ in --executed)")
    making.add_argument("--out", default=str(ROOT / "build" / "site"), help="the site (default: build/site)")
    making.add_argument("--allow-stale", action="store_true",
                        help="build even where the executed notebooks ran older code than the committed ones")
    serving = commands.add_parser("serve", help="serve the built site on 127.0.0.1")
    serving.add_argument("--out", default=str(ROOT / "build" / "site"))
    serving.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)

    out = Path(args.out).resolve()
    if args.command == "serve":
        if not (out / "index.html").is_file():
            print(f"ERROR: no site at {out}: run `make site` first", file=sys.stderr)
            return 1
        print(f"The course site: http://127.0.0.1:{args.port}/ (English), "
              f"http://127.0.0.1:{args.port}/zh/ (中文). Ctrl-C stops it.", flush=True)
        # A static folder needs no more than the standard library's server; 127.0.0.1 only. It replaces this
        # process, so that stopping this process's PID stops the server.
        os.execv(sys.executable, [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory",
                                  str(out), str(args.port)])
    try:
        folders = executed_folders(Path(args.executed).resolve(),
                                   Path(args.executed_zh).resolve() if args.executed_zh else None)
        seconds = build(folders, out, args.allow_stale)
    except SiteError as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 1
    pages = sorted(str(page.relative_to(out)) for page in out.rglob("*.html"))
    print(f"Built {len(pages)} pages (English and 中文) in {seconds:.1f} s: {out}/index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
