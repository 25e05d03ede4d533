// Twilio's own Node library as a signature oracle for the tests: one JSON request per line on stdin,
// one JSON answer per line on stdout.
//   {"op":"sign","authToken":"…","url":"…","params":{"Name":"value"|["v1","v2"]}}      -> {"signature":"…"}
//   {"op":"validate","authToken":"…","signature":"…","url":"…","params":{…}}           -> {"valid":true|false}
//   {"op":"bodyHash","body":"…"}                                                       -> {"hash":"…"}
"use strict";
const readline = require("readline");
const twilio = require("twilio");

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  let answer;
  try {
    const request = JSON.parse(line);
    switch (request.op) {
      case "sign":
        answer = { signature: twilio.getExpectedTwilioSignature(request.authToken, request.url, request.params) };
        break;
      case "validate":
        answer = { valid: twilio.validateRequest(request.authToken, request.signature, request.url, request.params) };
        break;
      case "bodyHash":
        answer = { hash: twilio.getExpectedBodyHash(request.body) };
        break;
      default:
        answer = { error: `unknown op ${request.op}` };
    }
  } catch (e) {
    answer = { error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
