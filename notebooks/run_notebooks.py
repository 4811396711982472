"""Executes the Kaminari notebooks against a home with papermill and checks them.

A notebook fails when a cell raises, or when a cell that draws (calls ``plt.show()``) produced no image. The executed
copies and their HTML renderings are written to ``--out``.
"""

from __future__ import annotations

import argparse
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", required=True, help="Kaminari home with the embedded metastore")
    parser.add_argument("--from", dest="start", required=True, help="period start, e.g. 2024-05-02T00 (UTC)")
    parser.add_argument("--to", dest="end", required=True, help="period end, exclusive (UTC)")
    parser.add_argument("--out", required=True, type=Path, help="directory for executed copies and HTML")
    parser.add_argument("notebooks", nargs="*", help="notebook names (default: all)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    names = args.notebooks or sorted(p.name for p in HERE.glob("[0-9][0-9]_*.ipynb"))
    failed = 0
    for name in names:
        source = HERE / name
        target = args.out / name
        started = time.monotonic()
        try:
            papermill.execute_notebook(
                str(source),
                str(target),
                parameters={"HOME": args.home, "FROM": args.start, "TO": args.end},
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
