"""Shared by the Python client checks: the mock's control plane over plain HTTP, the
published test credentials, and a small check recorder that prints one line per check
and a closing "SDK: N passed, N failed" line."""

import json
import os
import sys
import urllib.error
import urllib.request

ACCOUNT = "a1b2c3d4-0000-4000-8000-000000000001"
ACCESS_KEY = "AKIDCHIMEMOCKEXAMPLE"
SECRET_KEY = "chimeMockSecretKeyEXAMPLE/ForTestsOnly+0000"
REGION = "us-east-1"
EXCEPTIONS = [
    "BadRequestException",
    "UnauthorizedClientException",
    "ForbiddenException",
    "NotFoundException",
    "ConflictException",
    "ThrottledClientException",
    "ServiceFailureException",
    "ServiceUnavailableException",
]


def endpoint():
    """The mock's URL, from CHIME_MOCK_URL (set by clients/run.sh)."""
    url = os.environ.get("CHIME_MOCK_URL")
    if not url:
        sys.exit("CHIME_MOCK_URL is not set: run clients/run.sh, or start chime-mock and set it")
    return url.rstrip("/")


class Control:
    """The control plane under /_chime-mock/: JSON in and out, no signing."""

    def __init__(self, url):
        self.url = url

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + "/_chime-mock" + path,
            data=data,
            method=method,
            headers={"content-type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def reset(self):
        return self.call("POST", "/reset")[0] == 200

    def add_account(self, account_id, kind):
        return self.call("POST", "/accounts", {"id": account_id, "kind": kind})[0] in (200, 201)

    def fault(self, exception):
        return self.call("POST", "/faults", {"exception": exception, "count": 1})[0] == 201

    def users(self, account_id):
        return self.call("GET", "/users?account=" + account_id)[1].get("users", [])

    def last_request(self):
        requests = self.call("GET", "/requests?limit=1")[1].get("requests", [])
        return requests[-1] if requests else {}


class Checks:
    """Runs named checks, prints PASS/FAIL lines, and a closing count."""

    def __init__(self, sdk):
        self.sdk = sdk
        self.passed = 0
        self.failed = 0

    def check(self, name, function):
        try:
            problem = function()
        except Exception as error:  # a check's own failure is reported, not raised
            problem = "raised %s: %s" % (type(error).__name__, error)
        if problem:
            self.failed += 1
            print("FAIL %s: %s: %s" % (self.sdk, name, problem), flush=True)
        else:
            self.passed += 1
            print("PASS %s: %s" % (self.sdk, name), flush=True)

    def finish(self):
        print("%s: %d passed, %d failed" % (self.sdk, self.passed, self.failed), flush=True)
        return 0 if self.failed == 0 and self.passed > 0 else 1


def journal_problem(control, expected_user_type):
    """What is wrong with the journal's view of the last create, or None."""
    seen = control.last_request()
    if seen.get("method") != "POST" or "operation=create" not in seen.get("path", ""):
        return "the journal's last request is not a CreateUser: %r" % seen.get("path")
    authorization = seen.get("headers", {}).get("authorization", "")
    if "Signature=" in authorization or "masked" not in authorization:
        return "Authorization is not masked in the journal: %r" % authorization
    body = seen.get("body")
    if not isinstance(body, dict) or body.get("UserType") != expected_user_type:
        return "the journal does not show the body sent: %r" % body
    if "example.com" in json.dumps(body):
        return "an email is shown in clear in the journal"
    return None


def control_plane_checks(checks, control, created, sdk, user_type):
    """The control plane's view of a create just made: the user listed, the request
    journaled and masked."""
    checks.check(
        "control plane: users lists the created user",
        lambda: None
        if [u.get("UserId") for u in control.users(ACCOUNT)] == [created.get("UserId")]
        else "users: %r" % control.users(ACCOUNT),
    )
    checks.check(
        "control plane: the journal shows the request %s sent, masked" % sdk,
        lambda: journal_problem(control, user_type),
    )
