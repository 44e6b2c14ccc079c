"""Render one edition of the course site from Jupyter Book 2's content server into static HTML.

`jupyter-book build --html` runs this (template.yml, `build.render`) with, in its environment:
  CONTENT_CDN       the content server Jupyter Book started: /config.json, /content/<slug>.json, /<asset>
  BUILD_DIRECTORY   where the pages go
and, from tools/website.py:
  SITE_EDITION      "en" or "zh": the language of the page chrome
  SITE_OTHER_ROOT   this edition's root as seen from the other's ("zh/" or "../"), for the language switch

Each page is written at its source's path with .html (07b_evaluate.ipynb -> 07b_evaluate.html), so that the
other edition's twin of a page is the same path under the other root. Only the standard library: it runs under
whatever `python` Jupyter Book finds first on PATH (tools/website.py puts the site's virtualenv there).
"""

from __future__ import annotations

import html
import json
import os
import posixpath
import re
import shutil
import sys
import urllib.parse
import urllib.request
from pathlib import Path

THEME = Path(__file__).resolve().parent
ASSETS = "assets"            # images and downloads, at the edition's root
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

CHROME = {
    "en": {"lang": "en", "switch": "中文", "switch_lang": "zh-CN", "contents": "Contents",
           "previous": "Previous", "next": "Next", "home": "Home", "download": "Download this notebook",
           "colab": "Open in Colab"},
    "zh": {"lang": "zh-CN", "switch": "English", "switch_lang": "en", "contents": "目录",
           "previous": "上一页", "next": "下一页", "home": "首页", "download": "下载本笔记本",
           "colab": "在 Colab 中打开"},
}


# MyST node -> (HTML element, what follows it): nodes rendered as their children inside one element.
PLAIN_TAGS = {"paragraph": ("p", "\n"), "strong": ("strong", ""), "emphasis": ("em", ""),
              "delete": ("del", ""), "tableRow": ("tr", "\n"), "details": ("details", "\n"),
              "summary": ("summary", ""), "blockquote": ("blockquote", "\n")}


class UnknownNode(ValueError):
    """A MyST node this theme cannot render: a new kind of content needs a new handler here."""


def fetch(base: str, path: str) -> bytes:
    with urllib.request.urlopen(base.rstrip("/") + "/" + urllib.parse.quote(path.lstrip("/"))) as answer:
        return answer.read()


def output_path(location: str) -> str:
    """`/07b_evaluate.ipynb` -> `07b_evaluate.html`, `/bonus/x.ipynb` -> `bonus/x.html`."""
    return posixpath.splitext(location.lstrip("/"))[0] + ".html"


def relative(target: str, page: str) -> str:
    """The URL of site path `target` (from the edition's root) as written in page `page`."""
    return posixpath.relpath(target, posixpath.dirname(page) or ".")


class Page:
    """Renders one page's MyST tree; `assets` collects the public files it uses (copied once per site)."""

    def __init__(self, path: str, slugs: dict[str, str], assets: set[str]):
        self.path, self.slugs, self.assets = path, slugs, assets
        self.colab = None           # the notebook's Open-in-Colab link, shown under its title

    # --- links and files ---------------------------------------------------------------------------------
    def asset(self, url: str) -> str:
        name = url.lstrip("/")
        self.assets.add(name)
        return relative(f"{ASSETS}/{name}", self.path)

    def href(self, node: dict) -> str:
        url = node.get("url", "")
        if url.startswith("#") or re.match(r"^[a-z][a-z0-9+.-]*:", url):
            return url                                        # an anchor, or http(s), mailto
        target, _, fragment = url.partition("#")
        if node.get("internal") or target.lstrip("/") in self.slugs:
            page = self.slugs[target.lstrip("/")]
            return relative(page, self.path) + (f"#{fragment}" if fragment else "")
        if node.get("static") and target.startswith("/"):
            return self.asset(target) + (f"#{fragment}" if fragment else "")
        return url                      # already a page of the site (the other edition's, set by the staging)

    def links(self, node: dict):
        if node["type"] == "link":
            yield node["url"]
        for child in node.get("children", []):
            yield from self.links(child)

    # --- the tree ----------------------------------------------------------------------------------------
    def children(self, node: dict) -> str:
        return "".join(self.render(child) for child in node.get("children", []))

    def render(self, node: dict) -> str:
        kind = node["type"]
        if kind in PLAIN_TAGS:                           # a node that is its children in one HTML element
            tag, after = PLAIN_TAGS[kind]
            return f"<{tag}>{self.children(node)}</{tag}>{after}"
        handler = getattr(self, "node_" + kind, None)
        if handler is None:
            raise UnknownNode(f"{self.path}: no handler for MyST node {kind!r}: "
                              f"add `node_{kind}` to {__file__}")
        return handler(node)

    def node_root(self, node):
        return self.children(node)

    def node_block(self, node):
        if node.get("visibility") == "remove":           # a cell tagged remove-cell
            return ""
        if "colab-badge" in (node.get("data") or {}).get("tags", []):
            self.colab = next(self.links(node), None)
            return ""
        kind = "cell code-cell" if node.get("kind") == "notebook-code" else "cell"
        anchor = f' id="{html.escape(node["html_id"])}"' if node.get("html_id") else ""
        return f'<div class="{kind}"{anchor}>{self.children(node)}</div>\n'

    def node_text(self, node):
        return html.escape(node["value"])

    def node_heading(self, node):
        depth, anchor = node["depth"], html.escape(node.get("html_id") or node.get("identifier") or "")
        link = f' <a class="anchor" href="#{anchor}" aria-hidden="true">¶</a>' if anchor else ""
        return f'<h{depth} id="{anchor}">{self.children(node)}{link}</h{depth}>\n'

    def node_inlineCode(self, node):
        return f"<code>{html.escape(node['value'])}</code>"

    def node_code(self, node):
        language = html.escape(node.get("lang") or "")
        kind = "source" if node.get("executable") else "listing"
        return (f'<pre class="{kind}"><code class="language-{language}">'
                f"{html.escape(node['value'])}</code></pre>\n")

    def node_list(self, node):
        if node.get("ordered"):
            start = node.get("start") or 1
            return f'<ol start="{start}">{self.children(node)}</ol>\n'
        return f"<ul>{self.children(node)}</ul>\n"

    def node_listItem(self, node):
        box = ""
        if node.get("checked") is not None:
            box = f'<input type="checkbox" disabled{" checked" if node["checked"] else ""}> '
        return f"<li>{box}{self.children(node)}</li>\n"

    def node_table(self, node):
        return f'<div class="table-wrap"><table>{self.children(node)}</table></div>\n'

    def node_tableCell(self, node):
        tag = "th" if node.get("header") else "td"
        align = f' style="text-align:{node["align"]}"' if node.get("align") else ""
        return f"<{tag}{align}>{self.children(node)}</{tag}>"

    def node_link(self, node):
        return f'<a href="{html.escape(self.href(node))}">{self.children(node)}</a>'

    def node_crossReference(self, node):
        url = node.get("url", "#" + node.get("identifier", ""))
        if node.get("kind") == "heading" and "#" not in url:      # another page's heading: its page, then it
            url += "#" + node["html_id"]
        return self.node_link({**node, "internal": True, "url": url})

    def node_image(self, node):
        url = node["url"]
        source = url if re.match(r"^[a-z]+:", url) else self.asset(url)
        return f'<img src="{html.escape(source)}" alt="{html.escape(node.get("alt", ""))}">'

    def node_inlineMath(self, node):
        # Jupyter Book renders math with KaTeX at build time: its MathML is shown (the browser draws it),
        # its HTML twin is hidden by course.css, as it would need KaTeX's fonts.
        return node.get("html") or f"<code>{html.escape(node['value'])}</code>"

    node_math = node_inlineMath

    def node_span(self, node):
        return f'<span class="{html.escape(node.get("class", ""))}">{self.children(node)}</span>'

    def node_cite(self, node):
        # An unresolved `@word` (the staging escapes the course's @mentions; this is the fallback).
        return html.escape("@" + node.get("label", ""))

    def node_thematicBreak(self, node):
        return "<hr>\n"

    def node_break(self, node):
        return "<br>"

    def node_html(self, node):
        return node["value"]

    def node_outputs(self, node):
        inner = self.children(node)
        return f'<div class="outputs">{inner}</div>\n' if inner else ""

    def node_output(self, node):
        data = node.get("jupyter_data") or {}
        kind = data.get("output_type")
        if kind == "stream":
            text = ANSI.sub("", data.get("text", ""))
            stream = html.escape(data.get("name", "stdout"))
            return f'<pre class="output {stream}">{html.escape(text)}</pre>\n'
        if kind == "error":
            text = ANSI.sub("", "\n".join(data.get("traceback", [])))
            return f'<pre class="output error">{html.escape(text)}</pre>\n'
        bundle = data.get("data", {})
        for mime in ("image/png", "image/jpeg", "image/svg+xml", "image/gif"):
            if mime in bundle:
                alt = html.escape(bundle.get("text/plain", {}).get("content", "a figure"))
                source = self.asset(bundle[mime]["path"])
                return f'<figure class="output"><img src="{source}" alt="{alt}"></figure>\n'
        if "text/html" in bundle:
            content = self.content(bundle["text/html"])
            return f'<div class="output html">{content}</div>\n' if content.strip() else ""
        if "text/markdown" in bundle and node.get("children"):
            return f'<div class="output markdown">{self.children(node)}</div>\n'
        if "text/plain" in bundle:
            text = ANSI.sub("", self.content(bundle["text/plain"]))
            return f'<pre class="output result">{html.escape(text)}</pre>\n'
        raise UnknownNode(f"{self.path}: an output with no type this theme shows: {sorted(bundle)}")

    def content(self, item: dict) -> str:
        """A MIME bundle's content: inline, or (when large) a file on the content server."""
        if "content" in item:
            return item["content"]
        return fetch(os.environ["CONTENT_CDN"], item["path"]).decode("utf-8")


def navigation(project: dict, index_page: str) -> list[tuple[str, str]]:
    """(site path, title) for the home page and each page of the table of contents, in order."""
    pages = [(page["path"], page["title"]) for page in project["pages"]]
    return [(index_page, project["index_title"]), *pages]


def page_html(edition: str, site_title: str, path: str, title: str, body: str, nav: list[tuple[str, str]],
              download: str | None, colab: str | None = None, heading: bool = True) -> str:
    chrome = CHROME[edition]
    root = relative("index.html", path)
    twin = posixpath.normpath(posixpath.join(posixpath.dirname(root), os.environ["SITE_OTHER_ROOT"], path))
    items = "".join(
        f'<li{" class=current" if target == path else ""}><a href="{html.escape(relative(target, path))}">'
        f"{html.escape(label)}</a></li>" for target, label in nav)
    where = [target for target, _ in nav].index(path) if path in [target for target, _ in nav] else None
    pager = []
    if where:
        target, label = nav[where - 1]
        pager.append(f'<a class="previous" rel="prev" href="{html.escape(relative(target, path))}">'
                     f'← {chrome["previous"]}: {html.escape(label)}</a>')
    if where is not None and where + 1 < len(nav):
        target, label = nav[where + 1]
        pager.append(f'<a class="next" rel="next" href="{html.escape(relative(target, path))}">'
                     f'{chrome["next"]}: {html.escape(label)} →</a>')
    links = ([f'<a href="{html.escape(download)}" download>{chrome["download"]}</a>'] if download else []) + \
        ([f'<a class="colab" href="{html.escape(colab)}">{chrome["colab"]}</a>'] if colab else [])
    download_link = f'<p class="download">{" · ".join(links)}</p>' if links else ""
    return f"""<!doctype html>
<html lang="{chrome['lang']}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title if title == site_title else f"{title} · {site_title}")}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{html.escape(relative('course.css', path))}">
</head>
<body>
<header class="topbar">
<a class="site-title" href="{html.escape(root)}">{html.escape(site_title)}</a>
<a id="language-switch" class="language-switch" hreflang="{chrome['switch_lang']}"
 href="{html.escape(twin)}">{chrome['switch']}</a>
</header>
<div class="layout">
<nav class="toc" aria-label="{chrome['contents']}">
<p class="toc-title">{chrome['contents']}</p><ul>{items}</ul></nav>
<main>
<article>
{f'<h1 class="page-title">{html.escape(title)}</h1>' if heading else ''}
{download_link}
{body}
</article>
<nav class="pager">{''.join(pager)}</nav>
</main>
</div>
</body>
</html>
"""


def render_site(cdn: str, out: Path, edition: str) -> list[str]:
    """Write every page, the assets they use and the stylesheet; returns the pages' site paths."""
    config = json.loads(fetch(cdn, "config.json"))
    project = config["projects"][0]
    slugs, documents = {}, {}
    for slug in [project["index"]] + [page["slug"] for page in project["pages"]]:
        document = json.loads(fetch(cdn, f"content/{slug}.json"))
        slugs[slug] = output_path(document["location"])
        documents[slug] = document
    index_page = slugs[""] = slugs[project["index"]]      # a reference to the index page has the url "/"
    project = {**project, "index_title": CHROME[edition]["home"],
               "pages": [{"path": slugs[page["slug"]], "title": page["title"]} for page in project["pages"]]}
    nav = navigation(project, index_page)
    assets: set[str] = set()
    written = []
    for slug, document in documents.items():
        path = slugs[slug]
        page = Page(path, slugs, assets)
        body = page.render(document["mdast"])
        exports = [export for export in document["frontmatter"].get("exports", [])
                   if export.get("format") == "ipynb"]
        download = page.asset(exports[0]["url"]) if exports else None
        title = document["frontmatter"].get("title") or project["title"]
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        # where the content opens with its own title (MyST did not lift it out), it is not written twice
        heading = not document["frontmatter"].get("content_includes_title", False)
        text = page_html(edition, project["title"], path, title, body, nav, download, page.colab, heading)
        target.write_text(text, encoding="utf-8")
        written.append(path)
    for name in sorted(assets):
        target = out / ASSETS / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(fetch(cdn, name))
    shutil.copy(THEME / "course.css", out / "course.css")
    return written


def main() -> int:
    out = Path(os.environ["BUILD_DIRECTORY"])
    edition = os.environ.get("SITE_EDITION", "en")
    try:
        pages = render_site(os.environ["CONTENT_CDN"], out, edition)
    except UnknownNode as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 1
    print(f"Rendered {len(pages)} pages ({edition}) into {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
