"""Reads the verdicts of a chime-mock started with --judge-clients (GET
/_chime-mock/verdicts: {"count": N, "verdicts": [{"rule", "request_id", "expected",
"seen"}]}), the departures from the rules for a client's requests that it saw since the
last reset. Prints "verdicts: N" and the first few; exits 0 when there are none, 1 when
there are some, 3 when the mock serves no verdicts (404: started without --judge-clients,
or a mock that does not know the flag) and 4 when they could not be read. Used by
clients/run.sh after each SDK's pass. Usage: CHIME_MOCK_URL=... python verdicts.py"""

import json
import sys
import urllib.error
import urllib.request

from common import endpoint

SHOWN = 5


def main():
    try:
        with urllib.request.urlopen(endpoint() + "/_chime-mock/verdicts", timeout=10) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            print("verdicts: not available (404 from /_chime-mock/verdicts)")
            return 3
        print("verdicts: unreadable (HTTP %d)" % error.code)
        return 4
    except (OSError, ValueError) as error:
        print("verdicts: unreadable (%s)" % error)
        return 4
    verdicts = answer.get("verdicts") or []
    count = answer.get("count", len(verdicts))
    if not isinstance(count, int):
        print("verdicts: unreadable (count %r)" % (count,))
        return 4
    print("verdicts: %d" % count)
    for verdict in verdicts[:SHOWN]:
        print(
            "  %s (request %s): expected %s, seen %s"
            % (
                verdict.get("rule"),
                verdict.get("request_id"),
                json.dumps(verdict.get("expected")),
                json.dumps(verdict.get("seen")),
            )
        )
    if count > SHOWN:
        print("  ... and %d more" % (count - SHOWN))
    return 0 if count == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
