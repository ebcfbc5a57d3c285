"""The AWS SDK for Python (boto3) driving chime-mock: a create whose User parses
(InvitedOn a datetime), each of the eight exceptions reaching boto3 as its own modeled
exception class, and the control plane used from Python (reset, accounts, faults, users,
the request journal). Prints one line per check; exits 1 if any failed."""

import datetime
import sys

import boto3
from botocore.config import Config

from common import ACCESS_KEY, ACCOUNT, EXCEPTIONS, REGION, SECRET_KEY, Checks, Control
from common import control_plane_checks, endpoint


def client(url, secret=SECRET_KEY):
    return boto3.client(
        "chime",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=secret,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )


def expect_exception(call, name, chime):
    """None when `call` raises boto3's modeled exception class `name`."""
    modeled = getattr(chime.exceptions, name)
    try:
        call()
    except modeled as error:
        if error.response["Error"]["Code"] != name:
            return "error code %r" % error.response["Error"]["Code"]
        return None
    except Exception as error:
        return "raised %s (%s), not %s" % (type(error).__name__, error, name)
    return "no error raised"


def main():
    url = endpoint()
    control = Control(url)
    chime = client(url)
    checks = Checks("boto3")
    checks.check("control plane: reset", lambda: None if control.reset() else "reset failed")
    created = {}

    def create():
        answer = chime.create_user(
            AccountId=ACCOUNT, Email="py.user@example.com", Username="py", UserType="PrivateUser"
        )
        created.update(answer["User"])
        if not created.get("UserId"):
            return "no UserId"
        if not isinstance(created.get("InvitedOn"), datetime.datetime):
            return "InvitedOn is %r, not a datetime" % type(created.get("InvitedOn"))
        if answer["ResponseMetadata"]["HTTPStatusCode"] != 201:
            return "status %s" % answer["ResponseMetadata"]["HTTPStatusCode"]
        return None

    checks.check("CreateUser returns a User with InvitedOn as a datetime", create)
    control_plane_checks(checks, control, created, "boto3", "PrivateUser")
    triggers = exception_triggers(url, control, chime)
    for name in EXCEPTIONS:
        checks.check("%s reaches boto3 as its own class" % name, lambda n=name: triggers[n]())
    return checks.finish()


def exception_triggers(url, control, chime):
    def create(account=ACCOUNT, email="py.other@example.com", on=chime):
        return lambda: on.create_user(AccountId=account, Email=email)

    def with_fault(name):
        def trigger():
            if not control.fault(name):
                return "the control plane refused the fault rule"
            return expect_exception(create(email="py.%s@example.com" % name.lower()), name, chime)

        return trigger

    def forbidden():
        if not control.add_account("py-forbidden", "forbidden"):
            return "the control plane refused the account"
        return expect_exception(create(account="py-forbidden"), "ForbiddenException", chime)

    # A bad Email and a wrong secret are what a client must never send (the mock's
    # --judge-clients would rightly record them), so these two come from fault rules too.
    return {
        "BadRequestException": with_fault("BadRequestException"),
        "UnauthorizedClientException": with_fault("UnauthorizedClientException"),
        "ForbiddenException": forbidden,
        "NotFoundException": lambda: expect_exception(
            create(account="no-such-account"), "NotFoundException", chime
        ),
        "ConflictException": lambda: expect_exception(
            create(email="py.user@example.com"), "ConflictException", chime
        ),
        "ThrottledClientException": with_fault("ThrottledClientException"),
        "ServiceFailureException": with_fault("ServiceFailureException"),
        "ServiceUnavailableException": with_fault("ServiceUnavailableException"),
    }


if __name__ == "__main__":
    sys.exit(main())
