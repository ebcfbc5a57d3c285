// The AWS SDK for JavaScript v3 (@aws-sdk/client-chime) driving chime-mock: a create whose
// User parses (InvitedOn a Date), each of the eight exceptions reaching the SDK as its own
// exception class, and the control plane used from JavaScript (reset, accounts, faults,
// users, the request journal); the checks themselves are in common.mjs. Retries are off
// (maxAttempts 1). Prints one line per check; exits 1 if any failed.

import * as chime from "@aws-sdk/client-chime";
import { ACCESS_KEY, REGION, SECRET_KEY, endpoint, runChecks } from "./common.mjs";

const url = endpoint();
const clients = new Map();
function client(secret) {
  if (!clients.has(secret)) {
    clients.set(secret, new chime.ChimeClient({
      endpoint: url,
      region: REGION,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: secret },
      maxAttempts: 1,
    }));
  }
  return clients.get(secret);
}

process.exitCode = await runChecks({
  sdk: "js-sdk-v3",
  prefix: "js",
  async create({ secret = SECRET_KEY, ...input }) {
    const answer = await client(secret).send(new chime.CreateUserCommand(input));
    return { user: answer.User, status: answer.$metadata.httpStatusCode };
  },
  errorProblem(error, name) {
    if (!(error instanceof chime[name])) return `threw ${error?.name}, not an instance of ${name}`;
    return error.name === name ? null : `name ${error.name}`;
  },
  createName: "CreateUserCommand returns a User with InvitedOn as a Date",
  errorName: (name) => `${name} reaches the SDK as its own class`,
});
