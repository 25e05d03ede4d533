// node validate-json.cjs <schema.json> <document.json>
// Validates a document the way the Microsoft 365 Agents Toolkit validates Teams manifests: Ajv for
// JSON Schema draft-04 with the uri, email and regex formats. Prints "valid", or one error per line
// and exits 1. Run with NODE_PATH pointing at tests/peers/node_modules.
"use strict";
const fs = require("fs");
const Ajv = require("ajv-draft-04");
const addFormats = require("ajv-formats");

const [schemaPath, documentPath] = process.argv.slice(2);
const read = (path) => JSON.parse(fs.readFileSync(path, "utf8").replace(/^\uFEFF/, ""));

// Non-unicode regular expressions: the localization schema's patterns (e.g. `\b]`) are written for them.
const ajv = new Ajv({ allErrors: true, strictTypes: false, unicodeRegExp: false });
addFormats(ajv, ["uri", "email", "regex"]);
const validate = ajv.compile(read(schemaPath));
if (validate(read(documentPath))) {
  console.log("valid");
} else {
  for (const error of validate.errors) {
    console.log(`${error.instancePath || "/"} ${error.message} ${JSON.stringify(error.params)}`);
  }
  process.exitCode = 1;
}
