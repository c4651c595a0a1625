"""Run the examples of docs/service.md as they are written: every fenced
block introduced by an `<!-- example: python -->` or `<!-- example: sh -->`
comment, against a tenderd this test starts, with TENDER_URL and
TENDER_API_KEY in the environment (what the document tells a reader to
set). A block fails the test when it exits non-zero."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tenderd_support import SOURCE_ROOT, Tenderd, cli, ledger_location  # noqa: E402


def examples():
    with open(os.path.join(SOURCE_ROOT, "docs", "service.md")) as f:
        text = f.read()
    pattern = re.compile(r"<!-- example: (python|sh) -->\s*```[a-z]*\n(.*?)```", re.S)
    return pattern.findall(text)


def main():
    found = examples()
    kinds = {kind for kind, _ in found}
    if kinds != {"python", "sh"}:
        print(f"docs/service.md must hold a python and a sh example, found {sorted(kinds)}")
        return 1
    tmp = tempfile.mkdtemp(prefix="tenderd-doc-")
    ledger = ledger_location(tmp)
    key = cli(ledger, "api-key", "create", "docs")["secret"]
    svc = Tenderd(tmp, ledger).start()
    failures = 0
    try:
        env = dict(os.environ, TENDER_URL=svc.url, TENDER_API_KEY=key)
        for i, (kind, code) in enumerate(found):
            argv = [sys.executable, "-c", code] if kind == "python" else ["sh", "-ec", code]
            proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60,
                                  cwd=tmp)
            status = "ok" if proc.returncode == 0 else f"FAILED ({proc.returncode})"
            print(f"example {i + 1} ({kind}): {status}\n{proc.stdout}{proc.stderr}")
            failures += proc.returncode != 0
    finally:
        svc.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
