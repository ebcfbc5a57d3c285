"""The AWS CLI (`aws chime create-user`) driving chime-mock: a create whose User parses
(InvitedOn an ISO 8601 timestamp in the CLI's JSON output), each of the eight exceptions
named by the CLI as its own error code, and the control plane used from the same Python
test (reset, accounts, faults, users, the request journal). Retries are off
(AWS_MAX_ATTEMPTS=1). Prints one line per check; exits 1 if any failed, 2 if the CLI is
not the major version asked for (read from the User-Agent of the create it sent, as the
request journal shows it: no extra start of the CLI).

Which CLI: by default the AWS CLI v1 installed in this Python (`python -m awscli`), named
aws-cli-v1; `--aws PATH --major 2 --name aws-cli-v2` runs another executable, e.g. the
AWS CLI v2 at /usr/bin/aws (Debian package awscli)."""

import argparse
import datetime
import json
import os
import subprocess
import sys

from common import ACCESS_KEY, ACCOUNT, EXCEPTIONS, REGION, SECRET_KEY, Checks, Control
from common import control_plane_checks, endpoint


# The CLI's command line up to its arguments: set by main() from --aws.
AWS = [sys.executable, "-m", "awscli"]


def aws(url, *arguments, secret=SECRET_KEY):
    """Runs `aws chime create-user ...` (bounded to 60 s); returns (exit code, stdout, stderr)."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_RETRY_MODE": "standard",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
    }
    command = [*AWS, "chime", "create-user", "--endpoint-url", url]
    command += ["--output", "json", *arguments]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout, done.stderr


def expect_error(result, name):
    code, _, stderr = result
    if code == 0:
        return "the CLI succeeded"
    if "(%s)" % name not in stderr:
        return "exit %d, stderr %r" % (code, stderr.strip()[-300:])
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aws", help="the aws executable (default: python -m awscli)")
    parser.add_argument("--major", default="1", help="the CLI's major version (default 1)")
    parser.add_argument("--name", default="aws-cli-v1", help="the name printed")
    options = parser.parse_args()
    if options.aws:
        AWS[:] = [options.aws]
    url = endpoint()
    control = Control(url)
    checks = Checks(options.name)
    checks.check("control plane: reset", lambda: None if control.reset() else "reset failed")
    created = {}

    def create():
        code, stdout, stderr = aws(
            url, "--account-id", ACCOUNT, "--email", "cli.user@example.com",
            "--username", "cli", "--user-type", "SharedDevice",
        )
        if code != 0:
            return "exit %d: %s" % (code, stderr.strip()[-300:])
        created.update(json.loads(stdout)["User"])
        invited = created.get("InvitedOn", "")
        try:
            datetime.datetime.fromisoformat(invited)
        except (TypeError, ValueError):
            return "InvitedOn %r is not an ISO 8601 timestamp" % invited
        return None if created.get("UserId") else "no UserId"

    checks.check("create-user returns a User with InvitedOn as a timestamp", create)
    agent = control.last_request().get("headers", {}).get("user-agent", "")
    if agent.startswith("aws-cli/"):
        if not agent.startswith("aws-cli/%s." % options.major):
            print("%s: %s is %s, not aws-cli/%s" % (options.name, " ".join(AWS), agent.split()[0], options.major))
            return 2
        print("%s: %s" % (options.name, agent.split()[0]), flush=True)
    control_plane_checks(checks, control, created, "the CLI", "SharedDevice")
    for name in EXCEPTIONS:
        checks.check(
            "%s is named by the CLI" % name,
            lambda n=name: expect_error(trigger(url, control, n), n),
        )
    return checks.finish()


def trigger(url, control, name):
    """Provokes `name` and returns the CLI's result."""
    account = ["--account-id", ACCOUNT]
    email = ["--email", "cli.%s@example.com" % name.lower()]
    # A bad Email and a wrong secret are what a client must never send (the mock's
    # --judge-clients would rightly record them), so BadRequestException and
    # UnauthorizedClientException come from fault rules, as the server-side faults do.
    if name == "ForbiddenException":
        control.add_account("cli-forbidden", "forbidden")
        return aws(url, "--account-id", "cli-forbidden", *email)
    if name == "NotFoundException":
        return aws(url, "--account-id", "no-such-account", *email)
    if name == "ConflictException":
        return aws(url, *account, "--email", "cli.user@example.com")
    control.fault(name)
    return aws(url, *account, *email)


if __name__ == "__main__":
    sys.exit(main())
