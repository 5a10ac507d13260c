"""What the stateful phase of one schemathesis run did, from its NDJSON report.

Usage: stateful.py NAME REPORT.ndjson

Prints the scenarios, the document's links it followed (a link is followed when its values
could be taken from the previous answer), and how many of those steps were answered 2xx.
Fails (exit 1) when the run followed no link to a dossier that answered 2xx: the links must
lead to dossiers that exist (the contract step seeds them), not only to 404s.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter

DOSSIER_READ = re.compile(r"-> (GET|POST) /v1/dossiers/\{id\}")


def main(name: str, path: str) -> int:
    scenarios = 0
    followed: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    with open(path, encoding="utf-8") as f:
        for line in f:
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if not finished or finished.get("phase") != "stateful" or finished.get("is_final"):
                continue
            recorder = finished.get("recorder", {})
            cases = recorder.get("cases", {})
            if not cases:
                continue
            scenarios += 1
            for case_id, case in cases.items():
                transition = case.get("transition")
                if not transition or not case.get("is_transition_applied"):
                    continue
                link = transition["id"]
                followed[link] += 1
                response = recorder.get("interactions", {}).get(case_id, {}).get("response") or {}
                if 200 <= int(response.get("status_code", 0)) < 300:
                    answered[link] += 1
    reads = sum(n for link, n in answered.items() if DOSSIER_READ.search(link))
    print(
        f"60-contract: {name} stateful: {scenarios} scenarios, {len(followed)} links followed"
        f" ({sum(followed.values())} steps, {sum(answered.values())} answered 2xx),"
        f" {reads} steps to a dossier answered 2xx",
        file=sys.stderr,
    )
    for link in sorted(followed):
        print(f"60-contract:   {answered[link]:3}/{followed[link]:<3} 2xx  {link}", file=sys.stderr)
    if reads == 0:
        print(f"60-contract: {name}: no link led to a dossier that exists", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
