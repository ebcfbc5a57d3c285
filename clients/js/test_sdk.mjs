// The AWS SDK for JavaScript v3 (@aws-sdk/client-chime) driving chime-mock: a create whose
// User parses (InvitedOn a Date), each of the eight exceptions reaching the SDK as its own
// exception class, and the control plane used from JavaScript (reset, accounts, faults,
// users, the request journal). Prints one line per check; exits 1 if any failed.

import * as chime from "@aws-sdk/client-chime";

const ACCOUNT = "a1b2c3d4-0000-4000-8000-000000000001";
const ACCESS_KEY = "AKIDCHIMEMOCKEXAMPLE";
const SECRET_KEY = "chimeMockSecretKeyEXAMPLE/ForTestsOnly+0000";
const EXCEPTIONS = [
  "BadRequestException",
  "UnauthorizedClientException",
  "ForbiddenException",
  "NotFoundException",
  "ConflictException",
  "ThrottledClientException",
  "ServiceFailureException",
  "ServiceUnavailableException",
];

const url = (process.env.CHIME_MOCK_URL || "").replace(/\/$/, "");
if (!url) {
  console.error("CHIME_MOCK_URL is not set: run clients/run.sh, or start chime-mock and set it");
  process.exit(2);
}

function client(secret = SECRET_KEY) {
  return new chime.ChimeClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: secret },
    maxAttempts: 1,
  });
}

// The control plane: JSON in and out, no signing (bounded to 10 s a call).
async function control(method, path, body) {
  const response = await fetch(`${url}/_chime-mock${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10000),
  });
  return { status: response.status, body: await response.json() };
}

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
    console.log(`FAIL js-sdk-v3: ${name}: ${problem}`);
  } else {
    passed += 1;
    console.log(`PASS js-sdk-v3: ${name}`);
  }
}

function create(on, account, email) {
  return on.send(new chime.CreateUserCommand({ AccountId: account, Email: email }));
}

async function expectException(promise, name) {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof chime[name])) return `threw ${error?.name}, not an instance of ${name}`;
    if (error.name !== name) return `name ${error.name}`;
    return null;
  }
  return "no error thrown";
}

async function trigger(name, sdk) {
  const email = `js.${name.toLowerCase()}@example.com`;
  switch (name) {
    case "BadRequestException":
      return create(sdk, ACCOUNT, "not-an-email");
    case "UnauthorizedClientException":
      return create(client("not-the-secret"), ACCOUNT, email);
    case "ForbiddenException":
      await control("POST", "/accounts", { id: "js-forbidden", kind: "forbidden" });
      return create(sdk, "js-forbidden", email);
    case "NotFoundException":
      return create(sdk, "no-such-account", email);
    case "ConflictException":
      return create(sdk, ACCOUNT, "js.user@example.com");
    default:
      await control("POST", "/faults", { exception: name, count: 1 });
      return create(sdk, ACCOUNT, email);
  }
}

async function main() {
  const sdk = client();
  await check("control plane: reset", async () =>
    (await control("POST", "/reset")).status === 200 ? null : "reset failed");
  let user = {};
  await check("CreateUserCommand returns a User with InvitedOn as a Date", async () => {
    const answer = await sdk.send(new chime.CreateUserCommand({
      AccountId: ACCOUNT, Email: "js.user@example.com", Username: "js", UserType: "PrivateUser",
    }));
    user = answer.User ?? {};
    if (!user.UserId) return "no UserId";
    if (!(user.InvitedOn instanceof Date) || Number.isNaN(user.InvitedOn.getTime())) {
      return `InvitedOn is ${user.InvitedOn}, not a Date`;
    }
    return answer.$metadata.httpStatusCode === 201 ? null : `status ${answer.$metadata.httpStatusCode}`;
  });
  await check("control plane: users lists the created user", async () => {
    const listed = (await control("GET", `/users?account=${ACCOUNT}`)).body.users ?? [];
    const ids = listed.map((u) => u.UserId);
    return ids.length === 1 && ids[0] === user.UserId ? null : `users: ${JSON.stringify(ids)}`;
  });
  await check("control plane: the journal shows the request the SDK sent, masked", async () => {
    const seen = (await control("GET", "/requests?limit=1")).body.requests?.[0] ?? {};
    const authorization = seen.headers?.authorization ?? "";
    if (authorization.includes("Signature=")) return "Authorization is not masked";
    if (seen.body?.UserType !== "PrivateUser") return `body ${JSON.stringify(seen.body)}`;
    return JSON.stringify(seen.body).includes("example.com") ? "an email is shown in clear" : null;
  });
  for (const name of EXCEPTIONS) {
    await check(`${name} reaches the SDK as its own class`, () => expectException(trigger(name, sdk), name));
  }
  console.log(`js-sdk-v3: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

process.exitCode = await main();
