"""README.zh-CN.md, for a reader in mainland China: set-up through mirrors first, what the code says in the
words the code uses, every number one README.md reports, every page a Chinese notebook points to there, and
every English line the notebooks print explained.

The last test here runs `make setup` against a local stand-in for the package index in PIP_INDEX_URL.
"""

import ast
import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import nbformat
import pytest
import yaml
from conftest import ROOT, load_script

from finetune_course import messages
from finetune_course.course.chain import notebooks
from finetune_course.course.profiles import HUB_PROBE_TIMEOUT_S
from finetune_course.hub import PUBLIC_MIRROR

README = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
ENGLISH = (ROOT / "README.md").read_text(encoding="utf-8")
CJK = re.compile(r"[\u4e00-\u9fff]")
CODE_BLOCK = re.compile(r"^```.*?^```", re.S | re.M)


def prose(text: str) -> list[str]:
    """The lines outside code blocks."""
    return CODE_BLOCK.sub("", text).splitlines()


def code_blocks(text: str) -> list[str]:
    return [block.split("\n", 1)[1].rsplit("```", 1)[0] for block in CODE_BLOCK.findall(text)]


slug = load_script("tools/website.py").github_anchor      # GitHub's anchor for a heading, as the site maps it


def headings(text: str) -> dict[str, str]:
    """Each heading's anchor, and the section under it, code blocks included (to the next heading of the same
    or a higher level)."""
    lines, found, in_code = text.splitlines(), [], False
    for number, line in enumerate(lines):
        in_code ^= line.startswith("```")
        heading = re.match(r"(#+) (.+)$", line)
        if heading and not in_code:
            found.append((number, len(heading[1]), heading[2]))
    sections = {}
    for i, (number, level, title) in enumerate(found):
        end = next((later for later, deeper, _ in found[i + 1:] if deeper <= level), len(lines))
        sections[slug(title)] = "\n".join(lines[number + 1:end])
    return sections


def section(title: str) -> str:
    return headings(README)[slug(title)]


# --- Set-up from mainland China, first -------------------------------------------------------------

def test_the_first_commands_point_pip_and_the_hub_at_mirrors():
    first = code_blocks(README)[0].splitlines()
    exports = [line.split()[1].split("=")[0] for line in first if line.startswith("export ")]
    assert exports == ["PIP_INDEX_URL", "HF_ENDPOINT"]
    make = next(i for i, line in enumerate(first) if line.startswith("make "))
    assert make > max(i for i, line in enumerate(first) if line.startswith("export "))
    assert first[make].split("#")[0].split() == ["make", "execute-all", "EDITION=zh"]
    assert f"export HF_ENDPOINT={PUBLIC_MIRROR}" in first[1]
    # Before it, nothing but the title, the introduction and the guide's names: its section comes first.
    assert re.search(r"^## (.+)$", README, re.M)[1] == "从中国大陆开始：先设好两个镜像"
    assert README.index("## 从中国大陆开始") < README.index("```")


def test_the_setup_keeps_the_variables_and_says_to_restart_make_lab():
    setup = section("从中国大陆开始：先设好两个镜像")
    for shell_profile in ("~/.bashrc", "~/.zshrc"):
        assert shell_profile in setup
    assert "source ~/.bashrc" in setup and "必须重新启动 `make lab`" in setup
    assert "conda env create -f environment.yml" in setup


def test_the_fallback_is_stated_with_the_codes_timeout_and_banner():
    fallback = section("不设 `HF_ENDPOINT` 会怎样")
    assert f"最多等 {HUB_PROBE_TIMEOUT_S:g} 秒" in fallback and "HUB_PROBE_TIMEOUT_S" in fallback
    assert "fix:     " + messages.say("fallback_no_mirror", "zh", mirror=PUBLIC_MIRROR) in fallback
    assert "PROFILE: OFFLINE" in fallback


def test_the_make_commands_leave_pip_its_index_variable():
    """pip reads PIP_INDEX_URL itself: the Makefile must not name an index of its own."""
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install" in makefile
    assert not re.search(r"--index-url|-i https?://|PIP_INDEX_URL=", makefile)


# --- The guide, and the course's words ---------------------------------------------------------------

def test_the_guide_is_named_in_both_languages():
    opening = README[:README.index("## 从中国大陆开始")]
    assert ("[7 Steps to Mastering Large Language Model Fine-tuning]"
            "(https://www.kdnuggets.com/7-steps-to-mastering-large-language-model-fine-tuning)") in opening
    assert "Josep Ferrer" in opening and "《掌握大型语言模型微调的 7 个步骤》" in opening
    assert "github.com/OpenDocCN/kdnuggets-blog-zh/blob/" in opening   # the translation, pinned to a commit
    assert "Mastering" in opening and "掌握" in opening
    # token keeps its English name, glossed 词元 as d2l-zh and the glossary write it
    for guide, course in (("“消极、中性、积极”", "负面、中性、正面"), ("“令牌”", "token（词元）")):
        assert re.search(rf"\| {guide}[^|]*\| {course} \|", opening), guide


def test_the_terms_follow_d2l_and_the_hugging_face_course():
    text = "\n".join(prose(README))
    assert "批大小" not in text and "批量大小" in text
    for term in ("训练集", "验证集", "测试集", "数据整理器", "隐藏维度", "低成本微调"):
        assert term in text, term
    assert "更省的" not in text
    assert text.index("95% 置信区间") < text.index("95% 区间")


def test_sentences_are_short_and_parentheses_not_nested():
    too_long, nested = [], []
    for line in prose(README):
        depth = 0
        for char in line:
            depth += {"（": 1, "）": -1}.get(char, 0)
            if depth > 1:
                nested.append(line[:60])
                break
        if not line.startswith("|"):
            too_long += [s[:40] for s in re.split(r"(?<=[。！？；])", line) if len(CJK.findall(s)) > 80]
    assert not too_long and not nested


# --- Numbers: only those README.md reports -----------------------------------------------------------

NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?")


def test_every_measured_number_is_one_the_english_readme_reports():
    measured = "\n".join(body for anchor, body in headings(README).items() if anchor == "实测结果")
    assert "78.0%" in measured and "| 0.17 |" in measured and "857" in measured
    english = set(NUMBER.findall(ENGLISH))
    assert not set(NUMBER.findall(measured)) - english


def test_the_reference_bench_run_is_the_readmes_table():
    reference = json.loads((ROOT / "benchmarks" / "reference_run.json").read_text())
    bench = load_script("benchmarks/bench.py")
    assert [row["name"] for row in reference["recipes"]] == [r["name"] for r in bench.recipes()]
    table = ENGLISH[ENGLISH.index("| recipe | train tweets/s"):ENGLISH.index("- **the guide's job")]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    speeds = [float(line.split("|")[2]) for line in rows]
    assert speeds == [recipe["train_tweets_per_s"] for recipe in reference["recipes"]]


def test_the_bench_figure_draws_in_chinese_without_a_missing_glyph(tmp_path):
    import warnings

    import matplotlib

    from finetune_course import plots

    bench = load_script("benchmarks/bench.py")
    plots.figures_in_chinese.cache_clear()
    with warnings.catch_warnings(record=True) as caught, matplotlib.rc_context():
        warnings.simplefilter("always")
        bench.plot_from(ROOT / "benchmarks" / "reference_run.json", tmp_path / "zh.png", "zh")
    plots.figures_in_chinese.cache_clear()
    assert [str(w.message) for w in caught] == [] and (tmp_path / "zh.png").stat().st_size > 0
    assert "](notebooks/images/bench_throughput_zh.png)" in README


# --- Where the Chinese notebooks point to README ---------------------------------------------------

# A Chinese notebook that mentions the README without a link: the topic of its sentence, and the section of
# README.zh-CN.md that must hold it.
TOPICS = {"make bench": "笔记本级 CPU 上的微调速度（`make bench`）",
          "你自己的": "你自己的任务：你的数据，你的模型"}
LINK = re.compile(r"\]\(([^)\s]*README[^)\s]*)\)")


def readme_mentions() -> list[tuple[str, str, str]]:
    """(notebook, sentence, link target or "") for each mention of README in the Chinese notebooks."""
    found = []
    for path in notebooks(edition="zh"):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "markdown":
                continue
            for sentence in re.split(r"(?<=[。！？])|\n\n", cell.source):
                if "README" in sentence:
                    targets = LINK.findall(sentence) or [""]
                    found += [(path.name, sentence, target) for target in targets]
    return found


def test_every_readme_the_chinese_notebooks_point_to_is_a_chinese_section():
    mentions = readme_mentions()
    assert len(mentions) >= 5
    anchors = headings(README)
    for name, sentence, target in mentions:
        if target:
            page, _, anchor = target.partition("#")
            assert page.endswith("README.zh-CN.md"), (name, target)
            assert not anchor or anchor in anchors, (name, target)
            continue
        topic = next((key for key in TOPICS if key in sentence), None)
        assert topic, f"{name}: link this mention to a section of README.zh-CN.md: {sentence.strip()[:80]}"
        assert slug(TOPICS[topic]) in anchors, (name, TOPICS[topic])


def test_the_sections_they_land_on_hold_the_numbers_and_the_example():
    bench = section("笔记本级 CPU 上的微调速度（`make bench`）")
    assert "| 0.17 |" in bench and "233 s" in bench and "bench_throughput_zh.png" in bench
    own = section("你自己的任务：你的数据，你的模型")
    assert "review,sentiment" in own and "HF_ENDPOINT" in own


def test_links_inside_the_readme_land_on_its_headings():
    anchors = headings(README)
    internal = re.findall(r"\]\(#([^)]+)\)", README)
    assert internal and not [anchor for anchor in internal if anchor not in anchors]


# --- Your own task, in Chinese -----------------------------------------------------------------------

def test_the_own_task_example_is_chinese_reviews_with_a_chinese_model(tmp_path):
    own = code_blocks(section("你自己的任务：你的数据，你的模型"))
    header, first = own[0].splitlines()[:2]
    parameters = yaml.safe_load(own[1])
    assert CJK.search(first) and header == f"{parameters['text_column']},{parameters['label_column']}"
    assert "chinese" in parameters["model_name"]
    from finetune_course.params import read_parameters_file

    (tmp_path / "my_task.yaml").write_text(own[1], encoding="utf-8")
    assert read_parameters_file(tmp_path / "my_task.yaml")["model_name"] == parameters["model_name"]
    assert "make execute-all EDITION=zh PARAMS=my_task.yaml" in own[2]


def test_the_thresholds_the_readme_states_are_the_codes():
    from finetune_course import models

    script = section("文本的文字与模型的分词器")
    assert f"抽查 {models.SCRIPT_SAMPLE} 条" in script
    assert f"超过 {models.UNKNOWN_TEXTS_LIMIT:.0%} 的文本" in script
    assert f"超过 {models.UNREADABLE_TOKENS_LIMIT:.0%} 的 token" in script
    assert "iconv -f gbk -t utf-8" in section("用 Excel 保存的 CSV（GBK 编码）")


# --- The English lines the notebooks print, and their meaning ------------------------------------------

def printed_templates() -> set[str]:
    """What each `print` in the English notebooks' code cells writes, its values as "…" (the zh code cells
    are the same, tests/test_translation.py)."""
    def part(node) -> str:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(v.value if isinstance(v, ast.Constant) else "…" for v in node.values)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):       # "text: " + ", ".join(...)
            return part(node.left) + part(node.right)
        return "…"

    found = set()
    for path in notebooks():
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            for node in ast.walk(ast.parse(cell.source)):
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "print" and node.args:
                    line = " ".join(part(arg) for arg in node.args).strip().replace("\n", "\\n")
                    line = re.sub("…+", "…", line)
                    if re.search(r"[A-Za-z]{2}", line):
                        found.add(line)
    return found


def table_lines() -> set[str]:
    body = section("notebook 打印的英文行")
    cells = [re.split(r"(?<!\\)\|", line)[1].strip() for line in body.splitlines() if line.startswith("| `")]
    return {cell.strip("`").replace("\\|", "|") for cell in cells}


def test_every_english_line_the_notebooks_print_is_explained():
    printed, explained = printed_templates(), table_lines()
    assert len(printed) > 90
    # a line that starts with values built elsewhere ("…") is explained by the rows that end as it does
    unexplained = [line for line in printed - explained
                   if not (line.startswith("… ") and any(row.endswith(line[1:]) for row in explained))]
    assert unexplained == []


def test_the_banners_lines_are_explained_too(clean_env):
    import dataclasses

    from finetune_course import resolve_settings

    banner = dataclasses.replace(resolve_settings("offline"), advice="fallback_no_mirror").banner()
    labels = [line.split(":")[0] for line in banner.splitlines() if not line.startswith("=")]
    assert labels == ["PROFILE", "why", "fix", "model", "data", "sizes", "train", "files"]
    explained = table_lines()
    assert [label for label in labels if not any(line.startswith(f"{label}:") for line in explained)] == []


# --- PIP_INDEX_URL reaches the pip that `make setup` runs -----------------------------------------------

class LoggingIndex(BaseHTTPRequestHandler):
    """A stand-in package index that has nothing: it logs what pip asks for and answers 404."""
    asked: list[str] = []

    def do_GET(self):
        LoggingIndex.asked.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.slow               # a fresh virtualenv, and pip run against a local server
def test_make_setup_asks_the_index_the_readme_sets(tmp_path):
    """The README's first line, with the mirror's address replaced by a local stand-in: `make setup` (what
    every command runs first) sends pip's requests there. The stand-in has no packages, so setup stops."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), LoggingIndex)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    index = f"http://127.0.0.1:{server.server_address[1]}/simple"
    export = next(line for line in code_blocks(README)[0].splitlines()
                  if line.startswith("export PIP_INDEX_URL"))
    export = export.split("#")[0].strip().replace("https://pypi.tuna.tsinghua.edu.cn/simple", index)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}      # no --find-links, no config
    try:
        finished = subprocess.run(["bash", "-c", f"{export} && make --no-print-directory setup "
                                   f"VENV={tmp_path / 'venv'} PYTHON={sys.executable}"],
                                  cwd=ROOT, env={**env, "PIP_CONFIG_FILE": os.devnull, "PIP_RETRIES": "0"},
                                  capture_output=True, text=True, timeout=300)
    finally:
        server.shutdown()
        server.server_close()
    assert finished.returncode != 0                         # the stand-in index has nothing to install
    requirements = (ROOT / "requirements.txt").read_text().splitlines()
    first_requirement = next(line.split("==")[0] for line in requirements if line[:1].isalpha())
    assert "/simple/pip/" in LoggingIndex.asked, LoggingIndex.asked
    assert f"/simple/{first_requirement}/" in LoggingIndex.asked, (LoggingIndex.asked,
                                                                   finished.stderr[-2000:])
    assert not (tmp_path / "venv" / ".course-installed").exists()
