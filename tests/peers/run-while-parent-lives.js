// Runs a Node program and stops it when this process's standard input closes: the test process that
// started it holds the other end, so the child never outlives it, however that process ends.
//   node run-while-parent-lives.js PROGRAM.js [ARGS...]
"use strict";
const { spawn } = require("child_process");

const [program, ...args] = process.argv.slice(2);
const child = spawn(process.execPath, [program, ...args], { stdio: ["ignore", "inherit", "inherit"] });
const stop = () => child.kill("SIGTERM");
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
