// node yaml-to-json.cjs <file.yml>: prints the YAML document as JSON, for the tests to inspect.
"use strict";
const fs = require("fs");
const YAML = require("yaml");
console.log(JSON.stringify(YAML.parse(fs.readFileSync(process.argv[2], "utf8"))));
