"""Executes the Kaminari notebooks against a home with papermill and checks them.

A notebook fails when a cell raises, or when a cell that draws (calls ``plt.show()``) produced no image. The executed
copies and their HTML renderings are written to ``--out``. With ``--write-back`` each notebook that passed replaces
its source in notebooks/, outputs and plots included, so that the committed notebooks show what they compute (and
the repository shows them on any notebook viewer); before executing, the committed notebooks must already hold
their outputs (``committed_problems``), so a notebook committed without them fails the test.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
from pathlib import Path

import nbformat
import papermill
from nbconvert import HTMLExporter

HERE = Path(__file__).resolve().parent


def problems(notebook: nbformat.NotebookNode) -> list[str]:
    """Cell errors, and drawing cells without an image/png output."""
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
        draws = "plt.show()" in cell.source
        images = sum("image/png" in o.get("data", {}) for o in cell.get("outputs", []))
        if draws and images == 0:
            found.append(f"cell {index}: draws a plot but has no image output")
    return found


def code_cells(notebook: nbformat.NotebookNode) -> list:
    """The code cells of a notebook without the one papermill injects."""
    return [
        c for c in notebook.cells if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
    ]


def committed_problems(committed: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> list[str]:
    """What the committed copy of a notebook lacks against a fresh execution: the outputs of every code cell that has
    some now, and the plots of every cell that draws one now."""
    found = []
    old, fresh = code_cells(committed), code_cells(executed)
    if len(old) != len(fresh):
        return [f"the committed copy has {len(old)} code cells, the notebook {len(fresh)}"]
    for index, (before, now) in enumerate(zip(old, fresh, strict=True)):
        shown = [o for o in now.outputs if not (o.output_type == "stream" and o.name == "stderr")]
        if shown and not before.get("outputs"):
            found.append(f"code cell {index}: committed without its outputs")
        elif any("image/png" in o.get("data", {}) for o in now.outputs) and not any(
            "image/png" in o.get("data", {}) for o in before.get("outputs", [])
        ):
            found.append(f"code cell {index}: committed without its plot")
    return found


#: Papermill's and nbclient's bookkeeping, which changes on every run and is of no use to a reader.
VOLATILE_METADATA = ("papermill", "execution")


def for_commit(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The executed notebook as it is committed: outputs kept, run timings and stderr chatter (Spark's log lines,
    with their times) dropped, so that a rerun on the same data changes as little as possible."""
    notebook = copy.deepcopy(notebook)
    for key in VOLATILE_METADATA:
        notebook.metadata.pop(key, None)
    for cell in notebook.cells:
        for key in VOLATILE_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
    return notebook


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", required=True, help="Kaminari home with the embedded metastore")
    parser.add_argument("--from", dest="start", required=True, help="period start, e.g. 2024-05-02T00 (UTC)")
    parser.add_argument("--to", dest="end", required=True, help="period end, exclusive (UTC)")
    parser.add_argument("--out", required=True, type=Path, help="directory for executed copies and HTML")
    parser.add_argument(
        "--write-back", action="store_true", help="replace each passing notebook in notebooks/ by its executed copy"
    )
    parser.add_argument("notebooks", nargs="*", help="notebook names (default: all)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    names = args.notebooks or sorted(p.name for p in HERE.glob("[0-9][0-9]_*.ipynb"))
    failed = 0
    for name in names:
        source = HERE / name
        target = args.out / name
        started = time.monotonic()
        committed = nbformat.read(source, as_version=4)
        try:
            papermill.execute_notebook(
                str(source),
                str(target),
                # Relative to the notebooks' working directory: the committed copies name no machine's path.
                parameters={"HOME": os.path.relpath(args.home, HERE), "FROM": args.start, "TO": args.end},
                cwd=str(HERE),
                kernel_name="python3",
                progress_bar=False,
            )
        except papermill.PapermillExecutionError as e:
            print(f"FAIL {name}: {e.ename}: {e.evalue}")
        executed = nbformat.read(target, as_version=4)
        html, _ = HTMLExporter().from_notebook_node(executed)
        target.with_suffix(".html").write_text(html, encoding="utf-8")
        found = problems(executed)
        if args.write_back and not found:
            nbformat.write(for_commit(executed), source)
        found += [f"{p} (--write-back has refreshed it: commit it)" for p in committed_problems(committed, executed)]
        images = sum(
            "image/png" in o.get("data", {}) for c in executed.cells if c.cell_type == "code" for o in c.outputs
        )
        status = "FAIL" if found else "ok"
        print(f"{status:4} {name}: {images} plot(s), {time.monotonic() - started:.0f} s -> {target}")
        for problem in found:
            print(f"     {problem}")
        failed += bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
