"""``python -m airlock``: install the guest runtimes and see what is installed.

::

    python -m airlock install python     # build the Python guest (pinned, from PyPI)
    python -m airlock install js         # fetch the JavaScript guest
    python -m airlock doctor             # where guests were looked for, and what was found
"""

import argparse
import sys
from typing import List, Optional

from . import AirlockError, guests, install


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m airlock", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("install", help="install a guest runtime into the user cache")
    p.add_argument("guest", choices=["python", "js"])
    p.add_argument("--force", action="store_true", help="rebuild even if up to date")
    sub.add_parser("doctor", help="where guests were looked for, and what was found")
    args = parser.parse_args(argv)
    if args.command == "install":
        try:
            where = install(
                args.guest,
                force=args.force,
                progress=lambda step: print(f"airlock: {step}", file=sys.stderr),
            )
        except AirlockError as e:
            print(f"airlock: {e}", file=sys.stderr)
            return 1
        print(f"installed the {args.guest} guest in {where}")
        return 0
    missing = 0
    for g in guests():
        state = f"found, {g['version']}" if g["found"] else f"not usable: {g['problem']}"
        print(f"{g['guest']:7} {g['origin']:12} {g['path']}: {state}")
    for kind in ("python", "js"):
        if not any(g["found"] for g in guests() if g["guest"] == kind):
            missing += 1
            print(f"{kind}: missing; run `python -m airlock install {kind}`")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
