// Runs a Node program and stops it when this process's standard input closes: the test process that
// started it holds the other end, so the child never outlives it, however that process ends. Being
// re-parented (the starter died before its pipe closed) stops it too.
//   node run-while-parent-lives.js PROGRAM.js [ARGS...]
"use strict";
const { spawn } = require("child_process");

const [program, ...args] = process.argv.slice(2);
const parent = process.ppid;
const child = spawn(process.execPath, [program, ...args], { stdio: ["ignore", "inherit", "inherit"] });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  child.kill("SIGTERM");
  setTimeout(() => {
    child.kill("SIGKILL");
    process.exit(1);
  }, 5000).unref();
};
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
process.on("SIGHUP", stop);
setInterval(() => {
  if (process.ppid !== parent) stop();
}, 1000).unref();
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
