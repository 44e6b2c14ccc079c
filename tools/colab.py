"""Open in Colab: every notebook of both editions starts with a badge and a set-up cell; this writes them.

    python tools/colab.py            # write (or bring up to date) the two cells at the top of every notebook
    python tools/colab.py --check    # say which notebooks differ from what this would write; exit 1 if any

The repository's address is one setting, `[project.urls] Repository` in pyproject.toml: after changing it, run
this. The badge opens the notebook itself on Colab (each edition its own file). The set-up cell does nothing
outside Colab; on Colab it clones the repository, installs the pinned requirements and the course's package
(`pip install -e`), keeps Colab's CUDA build of torch where there is a GPU and takes the pinned CPU build
where there is none, then restarts the session so that Python loads what was installed.

English cells are written here; the Chinese edition's then come from `translation sync` (code cells are the
English ones, byte for byte) and its badge is written here in Chinese, marked translated.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BADGE_ID, SETUP_ID = "colab-badge", "colab-setup"
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
# The words of the badge, per edition: the image's alternative text.
BADGE_TEXT = {"en": "Open In Colab", "zh": "在 Colab 中打开"}

# The cell as a learner reads it. Its printed lines follow the course's rule for printed text (at most eight
# plain English words: the Chinese edition runs the same code). COURSE_REPOSITORY and COURSE_CHECKOUT exist
# for the test that runs it in a simulated Colab, from the local checkout.
SETUP = '''\
# On Google Colab only: fetch the course, install its pinned versions, restart. Elsewhere: nothing.
import os
import subprocess
import sys

# The course's repository: pyproject.toml's [project.urls] Repository (tools/colab.py writes it here).
REPOSITORY = "{repository}"
checkout = os.environ.get("COURSE_CHECKOUT", "/content/finetune-course")
done = os.path.join(checkout, ".colab-setup-done")
if "google.colab" not in sys.modules and "COLAB_RELEASE_TAG" not in os.environ:
    print("Not on Colab: nothing to set up.")
elif os.path.exists(done):
    with open(done) as file:
        print(file.read())
else:
    if not os.path.isdir(checkout):
        source = os.environ.get("COURSE_REPOSITORY", REPOSITORY)
        subprocess.run(["git", "clone", "--quiet", "--depth", "1", source, checkout], check=True)
    gpu = subprocess.run("nvidia-smi", shell=True, capture_output=True).returncode == 0
    with open(os.path.join(checkout, "requirements.txt")) as file:
        pins = [line.split("#")[0].strip() for line in file if line.split("#")[0].strip()]
    # Colab's own Jupyter, kernel and widgets stay: those pins would replace the running ones mid-session.
    # torch: on a GPU, Colab's CUDA build stays (it matches Colab's driver); else the pinned CPU build.
    keep = {{"jupyterlab", "ipykernel", "ipywidgets", "pytest", "nbval", "pytest-xdist", "execnet", "ruff",
            "torch"}}
    # --no-compile: Python compiles each module when first imported; compiling all now takes longer
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile"]
    if not gpu:
        torch = next(pin for pin in pins if pin.startswith("torch=="))
        subprocess.run([*pip, torch, "--index-url", "https://download.pytorch.org/whl/cpu"], check=True)
    subprocess.run([*pip, *(pin for pin in pins if pin.split("==")[0] not in keep)], check=True)
    subprocess.run([*pip, "--no-deps", "-e", checkout], check=True)
    with open(done, "w") as file:
        file.write(f"Colab: set up, {{'GPU' if gpu else 'CPU'}} path.")
    print("Installed; the session restarts. Run this cell again.")
    os.kill(os.getpid(), 9)   # Colab starts a new kernel at once, which loads the versions just installed
'''


def repository_url() -> str:
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["project"]["urls"]["Repository"].rstrip("/")


def colab_url(notebook: Path) -> str:
    """The notebook opened on Colab from the repository's main branch."""
    owner_and_name = repository_url().removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{owner_and_name}/blob/main/{notebook.relative_to(ROOT)}"


def badge_source(notebook: Path, edition: str) -> str:
    return f"[![{BADGE_TEXT[edition]}]({BADGE_IMAGE})]({colab_url(notebook)})"


def setup_source() -> str:
    return SETUP.format(repository=repository_url()).rstrip("\n")


def course_notebooks(edition: str) -> list[Path]:
    folder = ROOT / ("notebooks/zh" if edition == "zh" else "notebooks")
    return sorted(folder.glob("[0-9][0-9]*_*.ipynb")) + sorted((folder / "bonus").glob("*.ipynb"))


def badge_cell(notebook: Path, edition: str) -> dict:
    return {"cell_type": "markdown", "id": BADGE_ID, "metadata": {},
            "source": badge_source(notebook, edition)}


def setup_cell() -> dict:
    return {"cell_type": "code", "execution_count": None, "id": SETUP_ID, "metadata": {"tags": [SETUP_ID]},
            "outputs": [], "source": setup_source()}


def top_cells_differ(notebook: Path, edition: str) -> list[str]:
    """What is not as this tool writes it at the top of `notebook` (nothing when all is in place)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found = []
    if len(cells) < 2 or cells[0].get("id") != BADGE_ID or cells[1].get("id") != SETUP_ID:
        return [f"{notebook.relative_to(ROOT)}: does not start with the badge and the set-up cell"]
    if "".join(cells[0]["source"]) != badge_source(notebook, edition):
        found.append(f"{notebook.relative_to(ROOT)}: its badge is not {colab_url(notebook)}")
    if "".join(cells[1]["source"]) != setup_source():
        found.append(f"{notebook.relative_to(ROOT)}: its set-up cell is not tools/colab.py's")
    return found


def write_english() -> None:
    """The badge and the set-up cell at the top of every English notebook, replacing older ones."""
    import nbformat

    for notebook in course_notebooks("en"):
        book = nbformat.read(notebook, as_version=4)
        rest = [cell for cell in book.cells if cell.get("id") not in (BADGE_ID, SETUP_ID)]
        book.cells = [nbformat.from_dict(badge_cell(notebook, "en")), nbformat.from_dict(setup_cell()), *rest]
        nbformat.write(book, notebook)


def write_chinese() -> None:
    """After `translation sync` took the set-up cell over: each zh badge in Chinese, marked translated."""
    import nbformat

    from finetune_course.course.translation import mark_translated

    for notebook in course_notebooks("zh"):
        book = nbformat.read(notebook, as_version=4)
        badge = next(cell for cell in book.cells if cell.get("id") == BADGE_ID)
        badge.source = badge_source(notebook, "zh")
        nbformat.write(book, notebook)
        mark_translated(notebook, [BADGE_ID])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say what differs")
    args = parser.parse_args(argv)
    if not args.check:
        write_english()
        # sync exits 1 while the new badges are untranslated: write_chinese translates them next
        subprocess.run([sys.executable, "-m", "finetune_course.course.translation", "sync"], cwd=ROOT)
        write_chinese()
    found = [line for edition in ("en", "zh") for notebook in course_notebooks(edition)
             for line in top_cells_differ(notebook, edition)]
    print("\n".join(found) or "Every notebook starts with its Colab badge and the set-up cell.")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
