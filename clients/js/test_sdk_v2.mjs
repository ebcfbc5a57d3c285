// The AWS SDK for JavaScript v2 (aws-sdk, AWS.Chime) driving chime-mock: the same twelve
// checks as the v3 SDK (common.mjs). v2 has no exception class per modeled error: an
// exception reaches it as an Error whose `code` (and `name`) names it, with the HTTP status
// in `statusCode`, and that is what is checked. v2 takes `code` from the body's `__type`,
// then `code`, then `Code` member before the X-Amzn-ErrorType header (lib/protocol/json.js),
// and Chime's errors carry `Code`, an ErrorCode such as "BadRequest" (from the real service
// as from the mock): so `code` is that ErrorCode, or the exception's name when the body has
// no Code; both are accepted, and a closing note counts each. Retries are off (maxRetries
// 0). Prints one line per check; exits 1 if any failed.

import Chime from "aws-sdk/clients/chime.js";
import { ACCESS_KEY, REGION, SECRET_KEY, endpoint, runChecks } from "./common.mjs";

// Each exception's HTTP status and the ErrorCode in its body's Code member.
const EXPECTED = {
  BadRequestException: [400, "BadRequest"],
  UnauthorizedClientException: [401, "Unauthorized"],
  ForbiddenException: [403, "Forbidden"],
  NotFoundException: [404, "NotFound"],
  ConflictException: [409, "Conflict"],
  ThrottledClientException: [429, "Throttled"],
  ServiceFailureException: [500, "ServiceFailure"],
  ServiceUnavailableException: [503, "ServiceUnavailable"],
};
let byName = 0;
let byCode = 0;

const url = endpoint();
const clients = new Map();
function client(secret) {
  if (!clients.has(secret)) {
    clients.set(secret, new Chime({
      endpoint: url,
      region: REGION,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: secret },
      maxRetries: 0,
      httpOptions: { timeout: 60000 },
    }));
  }
  return clients.get(secret);
}

process.exitCode = await runChecks({
  sdk: "js-sdk-v2",
  prefix: "jsv2",
  async create({ secret = SECRET_KEY, ...input }) {
    const answer = await client(secret).createUser(input).promise();
    return { user: answer.User, status: answer.$response.httpResponse.statusCode };
  },
  errorProblem(error, name) {
    const [status, code] = EXPECTED[name];
    if (error?.code !== name && error?.code !== code) {
      return `threw code ${error?.code} (${error?.message}), neither ${name} nor ${code}`;
    }
    if (error.name !== error.code) return `name ${error.name}, code ${error.code}`;
    if (error.statusCode !== status) return `status ${error.statusCode}`;
    if (error.code === name) byName += 1;
    else byCode += 1;
    return null;
  },
  createName: "createUser returns a User with InvitedOn as a Date",
  errorName: (name) => `${name} reaches the SDK as its own error code`,
  note: () => byCode > 0 &&
    `${byName} exception(s) arrived with code = the exception's name, ${byCode} with code = the body's Code (ErrorCode)`,
});
