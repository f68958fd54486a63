"""The `plankg` command: a thin skin over library functions.

Exit codes: 0 success; 1 some input could not be processed (each failure is reported on one line
naming the file); 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from plankg import __version__
from plankg.errors import PlankgError


def default_plans_dir() -> Path:
    """The embedded corpus: data/plans of the source tree (editable install) or the package."""
    return Path(str(resources.files("plankg.data") / "plans"))


def _error(message: str) -> None:
    print(f"plankg: error: {message}", file=sys.stderr)


# -- outline ----------------------------------------------------------------------------------
def cmd_outline(args: argparse.Namespace) -> int:
    from plankg.ingest.document import load_plan
    from plankg.ingest.render import outline_json, outline_tree

    doc = load_plan(args.file)
    if args.json:
        json.dump(outline_json(doc), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(outline_tree(doc, max_depth=args.depth, rows=args.rows))
    return 0


# -- demo: the main job on the embedded default -----------------------------------------------
def cmd_demo(args: argparse.Namespace) -> int:
    from plankg.ingest.document import load_plan, plan_files
    from plankg.ingest.render import plan_summary

    files = plan_files(args.paths or [default_plans_dir()])
    failed = 0
    for path in files:
        try:
            doc = load_plan(path)
        except PlankgError as exc:
            _error(str(exc))
            failed += 1
            continue
        print(plan_summary(doc))
    print(f"{len(files) - failed} of {len(files)} plans outlined")
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="plankg",
        description="Chinese district climate and low-carbon plans as one RDF knowledge graph.",
    )
    parser.add_argument("--version", action="version", version=f"plankg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("outline", help="print the outline of one plan file")
    p.add_argument("file", type=Path, help="a plan file (UTF-8, GB18030 or UTF-16 text)")
    p.add_argument("--json", action="store_true", help="print the outline as JSON")
    p.add_argument("--depth", type=int, default=None, help="print only this many levels")
    p.add_argument("--rows", action="store_true", help="also print table rows and paragraphs")
    p.set_defaults(func=cmd_outline)

    p = sub.add_parser("demo", help="outline every plan and print a summary per plan")
    p.add_argument("paths", nargs="*", type=Path,
                   help="plan files or folders (default: the embedded data/plans)")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except PlankgError as exc:
        _error(str(exc))
        return 1
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
