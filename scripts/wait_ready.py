"""Wait until Onair's /healthz answers, then say where it is (used by scripts/run.sh)."""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.error
import urllib.request


def alive(pid: int) -> bool:
    """Tell whether the process that started us still runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def healthy(url: str) -> bool:
    """Ask /healthz once."""
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def main() -> int:
    """Poll until healthy, the parent is gone, or the time is up."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--parent", type=int, default=os.getppid())
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline and alive(args.parent):
        if healthy(args.url):
            print(f"\nOnair is up at {args.url}/  (admin: {args.url}/admin/)\n", flush=True)
            return 0
        time.sleep(0.25)
    if alive(args.parent):
        print(f"Onair did not answer on {args.url}/healthz after {args.timeout:.0f} s", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
