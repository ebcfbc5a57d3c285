// Shared by the JavaScript client checks (test_sdk.mjs for v3, test_sdk_v2.mjs for v2): the
// published test credentials, the mock's control plane over fetch, and the twelve checks,
// each SDK supplying only how it creates a user and how it recognises an exception.

export const ACCOUNT = "a1b2c3d4-0000-4000-8000-000000000001";
export const ACCESS_KEY = "AKIDCHIMEMOCKEXAMPLE";
export const SECRET_KEY = "chimeMockSecretKeyEXAMPLE/ForTestsOnly+0000";
export const REGION = "us-east-1";
export const EXCEPTIONS = [
  "BadRequestException",
  "UnauthorizedClientException",
  "ForbiddenException",
  "NotFoundException",
  "ConflictException",
  "ThrottledClientException",
  "ServiceFailureException",
  "ServiceUnavailableException",
];

// The mock's URL, from CHIME_MOCK_URL (set by clients/run.sh).
export function endpoint() {
  const url = (process.env.CHIME_MOCK_URL || "").replace(/\/$/, "");
  if (!url) {
    console.error("CHIME_MOCK_URL is not set: run clients/run.sh, or start chime-mock and set it");
    process.exit(2);
  }
  return url;
}

// The control plane: JSON in and out, no signing (bounded to 10 s a call).
export async function control(url, method, path, body) {
  const response = await fetch(`${url}/_chime-mock${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10000),
  });
  return { status: response.status, body: await response.json() };
}

// Runs the twelve checks for one SDK, printing one PASS/FAIL line each and a closing
// "SDK: N passed, N failed" line; returns the exit code (0 when all passed).
//   sdk:        the name printed (e.g. "js-sdk-v3")
//   prefix:     the local part's prefix of the emails this SDK creates
//   create:     async ({secret, AccountId, Email, Username?, UserType?}) => {user, status}
//   errorProblem: (thrown, name) => null when `thrown` is the SDK's own error for `name`
//   createName, errorName: how the checks are named
//   note:       optional () => a line printed before the closing one (or nothing)
export async function runChecks({ sdk, prefix, create, errorProblem, createName, errorName, note }) {
  const url = endpoint();
  let passed = 0;
  let failed = 0;
  async function check(name, run) {
    let problem;
    try {
      problem = await run();
    } catch (error) {
      problem = `threw ${error?.name}: ${error?.message}`;
    }
    if (problem) {
      failed += 1;
      console.log(`FAIL ${sdk}: ${name}: ${problem}`);
    } else {
      passed += 1;
      console.log(`PASS ${sdk}: ${name}`);
    }
  }
  async function expectError(call, name) {
    try {
      await call();
    } catch (error) {
      return errorProblem(error, name);
    }
    return "no error thrown";
  }
  async function trigger(name) {
    const Email = `${prefix}.${name.toLowerCase()}@example.com`;
    const forbidden = `${prefix}-forbidden`;
    switch (name) {
      // A bad Email and a wrong secret are what a client must never send (the mock's
      // --judge-clients would rightly record them): BadRequestException and
      // UnauthorizedClientException come from fault rules, with the server-side faults.
      case "ForbiddenException":
        await control(url, "POST", "/accounts", { id: forbidden, kind: "forbidden" });
        return create({ AccountId: forbidden, Email });
      case "NotFoundException":
        return create({ AccountId: "no-such-account", Email });
      case "ConflictException":
        return create({ AccountId: ACCOUNT, Email: `${prefix}.user@example.com` });
      default:
        await control(url, "POST", "/faults", { exception: name, count: 1 });
        return create({ AccountId: ACCOUNT, Email });
    }
  }

  await check("control plane: reset", async () =>
    (await control(url, "POST", "/reset")).status === 200 ? null : "reset failed");
  let user = {};
  await check(createName, async () => {
    const answer = await create({
      AccountId: ACCOUNT, Email: `${prefix}.user@example.com`, Username: prefix, UserType: "PrivateUser",
    });
    user = answer.user ?? {};
    if (!user.UserId) return "no UserId";
    if (!(user.InvitedOn instanceof Date) || Number.isNaN(user.InvitedOn.getTime())) {
      return `InvitedOn is ${user.InvitedOn}, not a Date`;
    }
    return answer.status === 201 ? null : `status ${answer.status}`;
  });
  await check("control plane: users lists the created user", async () => {
    const listed = (await control(url, "GET", `/users?account=${ACCOUNT}`)).body.users ?? [];
    const ids = listed.map((u) => u.UserId);
    return ids.length === 1 && ids[0] === user.UserId ? null : `users: ${JSON.stringify(ids)}`;
  });
  await check("control plane: the journal shows the request the SDK sent, masked", async () => {
    const seen = (await control(url, "GET", "/requests?limit=1")).body.requests?.[0] ?? {};
    if (seen.method !== "POST" || !String(seen.path).includes("operation=create")) {
      return `the journal's last request is not a CreateUser: ${seen.path}`;
    }
    const authorization = seen.headers?.authorization ?? "";
    if (authorization.includes("Signature=") || !authorization.includes("masked")) {
      return `Authorization is not masked: ${authorization}`;
    }
    if (seen.body?.UserType !== "PrivateUser") return `body ${JSON.stringify(seen.body)}`;
    return JSON.stringify(seen.body).includes("example.com") ? "an email is shown in clear" : null;
  });
  for (const name of EXCEPTIONS) {
    await check(errorName(name), () => expectError(() => trigger(name), name));
  }
  const noted = note?.();
  if (noted) console.log(`note ${sdk}: ${noted}`);
  console.log(`${sdk}: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}
