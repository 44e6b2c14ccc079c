"""The Chinese edition (notebooks/zh/), kept in step with the English notebooks it translates.

    # what is out of step, and what changed in English since
    python -m finetune_course.course.translation check
    # take the English code cells and cell order over
    python -m finetune_course.course.translation sync
    # after translating a changed cell
    python -m finetune_course.course.translation done 07a CELL_ID [CELL_ID ...]

A zh notebook has the English notebook's cells in the same order with the same ids. Its code cells
are the English ones, byte for byte, so papermill and nbval run both editions alike. Each markdown
cell is a translation and records, in its metadata, the sha256 of the English text it was translated
from: when the English cell changes, `check` (and the tests) name the zh cell to bring up to date.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import re
import subprocess
import sys
from pathlib import Path

from ..params import EDITION_FOLDERS, project_root

HASH_KEY = "source_sha256"      # under cell.metadata["translation"]
CJK = re.compile(r"[\u4e00-\u9fff]")


def english_source(zh_notebook: Path) -> Path:
    """The English notebook a zh notebook translates: the same path under notebooks/ instead of
    notebooks/zh/."""
    root = project_root()
    english_folder, zh_folder = root / EDITION_FOLDERS["en"], root / EDITION_FOLDERS["zh"]
    return english_folder / Path(zh_notebook).resolve().relative_to(zh_folder)


def translation_of(english_notebook: Path) -> Path:
    """Where the zh edition keeps its translation of an English notebook (which may not exist yet)."""
    root = project_root()
    english_folder, zh_folder = root / EDITION_FOLDERS["en"], root / EDITION_FOLDERS["zh"]
    return zh_folder / Path(english_notebook).resolve().relative_to(english_folder)


def source_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def out_of_step(zh_path: Path, english_path: Path | None = None) -> list[str]:
    """What keeps a zh notebook from matching its English source (by default the one it translates); each
    line names the zh cell to fix."""
    import nbformat  # a second's import: here, not in every start of `chain`, which imports this module
    zh_path = Path(zh_path)
    english_path = Path(english_path or english_source(zh_path))
    shown = zh_path.relative_to(project_root()) if zh_path.is_relative_to(project_root()) else zh_path
    if not english_path.exists():
        return [f"{shown}: no English notebook {english_path.name} to translate"]
    english, zh = (nbformat.read(p, as_version=4) for p in (english_path, zh_path))
    english_ids, zh_ids = [c.get("id") for c in english.cells], [c.get("id") for c in zh.cells]
    if english_ids != zh_ids or [c.cell_type for c in english.cells] != [c.cell_type for c in zh.cells]:
        return [f"{shown}: its cells are not the English notebook's cells in the same order "
                f"(ids {_first_difference(english_ids, zh_ids)}); "
                "run `python -m finetune_course.course.translation sync`"]
    problems = []
    for index, (source, cell) in enumerate(zip(english.cells, zh.cells)):
        where = f"{shown} cell {index} (id {cell.get('id')})"
        if cell.cell_type == "code":
            if cell.source != source.source or cell.metadata != source.metadata:
                problems.append(f"{where}: code cell differs from the English one; run "
                                "`python -m finetune_course.course.translation sync`")
            continue
        recorded = cell.metadata.get("translation", {}).get(HASH_KEY)
        then = f"then `python -m finetune_course.course.translation done {_step(zh_path)} {cell.get('id')}`"
        if recorded is None:
            problems.append(f"{where}: not translated yet; translate it, {then}")
        elif recorded != source_hash(source.source):
            problems.append(f"{where}: the English cell changed since it was translated; "
                            f"translate the change, {then}")
        elif CJK.search(cell.source) is None and re.search("[A-Za-z]{4}", source.source):
            problems.append(f"{where}: marked as translated but holds no Chinese text")
    return problems


def _first_difference(english: list, zh: list) -> str:
    for index, (a, b) in enumerate(zip(english, zh)):
        if a != b:
            return f"English {a} against zh {b} at cell {index}"
    return f"{len(english)} cells in English, {len(zh)} in zh"


def _step(zh_path: Path) -> str:
    from .chain import step_id

    return step_id(Path(zh_path))


def sync(zh_path: Path) -> list[str]:
    """Bring a zh notebook's cells in line with its English source: code cells and their metadata copied,
    cells added or removed in English added or removed here (a new markdown cell arrives in English, without
    a hash, so `check` lists it until it is translated). Translated markdown is kept. Returns what it did."""
    import nbformat
    zh_path = Path(zh_path)
    english = nbformat.read(english_source(zh_path), as_version=4)
    translated = ({c.get("id"): c for c in nbformat.read(zh_path, as_version=4).cells}
                  if zh_path.exists() else {})
    done, cells = [], []
    for source in english.cells:
        kept = translated.get(source.get("id"))
        if source.cell_type == "markdown" and kept is not None and kept.cell_type == "markdown":
            cells.append(kept)
            continue
        cells.append(nbformat.from_dict({**source, "metadata": dict(source.metadata)}))
        if kept is None or source.cell_type == "markdown":
            done.append(f"cell {source.get('id')}: new {source.cell_type} cell taken from English")
        elif kept.source != source.source or kept.metadata != source.metadata:
            done.append(f"cell {source.get('id')}: code taken from English")
    removed = set(translated) - {c.get("id") for c in english.cells}
    done += [f"cell {cell_id}: removed (gone from English)" for cell_id in sorted(removed, key=str)]
    english.cells = cells
    zh_path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(english, zh_path)
    return done


def mark_translated(zh_path: Path, cell_ids: list[str]) -> None:
    """Record that these zh markdown cells translate the English cells as they are now."""
    import nbformat
    english = {c.get("id"): c for c in nbformat.read(english_source(zh_path), as_version=4).cells}
    zh = nbformat.read(zh_path, as_version=4)
    for cell in zh.cells:
        if cell.get("id") in cell_ids:
            if cell.cell_type != "markdown":
                raise SystemExit(f"cell {cell.get('id')} is a code cell: "
                                 "code is not translated, `sync` copies it")
            cell.metadata["translation"] = {HASH_KEY: source_hash(english[cell.get("id")].source)}
    unknown = set(cell_ids) - {c.get("id") for c in zh.cells}
    if unknown:
        raise SystemExit(f"{zh_path.name} has no cell with id {', '.join(sorted(unknown))}")
    nbformat.write(zh, zh_path)


def english_change(zh_path: Path, cell_id: str) -> str:
    """The English cell's change since it was translated, as a diff, found in git's history by its hash."""
    import nbformat
    zh_cell = next(c for c in nbformat.read(zh_path, as_version=4).cells if c.get("id") == cell_id)
    wanted = zh_cell.metadata.get("translation", {}).get(HASH_KEY)
    english_path = english_source(zh_path)
    now = next(c.source for c in nbformat.read(english_path, as_version=4).cells if c.get("id") == cell_id)
    relative = english_path.relative_to(project_root()).as_posix()
    commits = subprocess.run(["git", "log", "--format=%H", "--", relative], cwd=project_root(),
                             capture_output=True, text=True).stdout.split()
    for commit in commits:
        shown = subprocess.run(["git", "show", f"{commit}:{relative}"], cwd=project_root(),
                               capture_output=True, text=True)
        if shown.returncode:
            continue
        for cell in nbformat.reads(shown.stdout, as_version=4).cells:
            if cell.get("id") == cell_id and source_hash(cell.source) == wanted:
                return "".join(difflib.unified_diff(cell.source.splitlines(True), now.splitlines(True),
                                                    f"English as translated ({commit[:8]})", "English now"))
    return "(the English text it was translated from is not in git's history; compare the two cells by eye)"


def holding(candidates: list[Path], cell_ids: list[str], step: str) -> Path:
    """The one notebook among a step's (both parts of step 7 for "07") that holds these cells."""
    import nbformat
    if len(candidates) == 1:
        return candidates[0]
    found = [path for path in candidates
             if set(cell_ids) <= {c.get("id") for c in nbformat.read(path, as_version=4).cells}]
    if len(found) != 1:
        raise SystemExit(f"step {step}: {len(found)} notebooks hold the cells {', '.join(cell_ids)}; "
                         "name the part (e.g. 07a)")
    return found[0]


def main(argv: list[str] | None = None) -> int:
    from .chain import notebooks

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("check", "sync", "done"))
    parser.add_argument("step", nargs="?", help="for done: the notebook's step, 01 to 06, 07a, 07b "
                                                  "(or 07, either part) or bonus")
    parser.add_argument("cell_ids", nargs="*", help="for done: the ids of the cells now translated")
    args = parser.parse_args(argv)
    if args.command == "done":
        if not args.step or not args.cell_ids:
            parser.error("done needs a step and at least one cell id")
        zh_path = holding(notebooks([args.step], edition="zh"), args.cell_ids, args.step)
        mark_translated(zh_path, args.cell_ids)
        return 0
    if args.command == "sync":
        for english_path in notebooks():
            for line in sync(translation_of(english_path)):
                print(f"{english_path.name}: {line}")
    translated = notebooks(edition="zh")
    problems = [line for path in translated for line in out_of_step(path)]
    for line in problems:
        print(line)
        found = re.search(r"^(\S+) cell \d+ \(id (\S+)\): the English cell changed", line)
        if found and args.command == "check":
            print(english_change(project_root() / found[1], found[2]))
    if not problems:
        print(f"The zh edition is in step with the English: {len(translated)} notebooks.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
