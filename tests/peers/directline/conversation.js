// Holds a conversation with the bot as a user would, through the official Direct Line client
// (botframework-directlinejs), following steps given as data:
//   { "locale": "es-ES", "user": { "id": "...", "name": "..." }, "timeoutSeconds": 30,
//     "steps": [ { "say": "text" | "submit": { card data }, "patch": { REST changes to {ticket} },
//                  "expect": "regex, {name} filled from earlier captures", "capture": "name" } ] }
// A step may say something, submit card data, or change the ticket through the desk's REST API; then,
// with "expect", it waits for the next bot message whose visible text matches (skipping others) and
// keeps the first regex match under "capture".
// Usage: node conversation.js --directline URL --desk URL --api-key KEY --conversation FILE
// Prints a JSON transcript; exits 0 when every step passed, 1 otherwise.
'use strict';

const fs = require('fs');
const { DirectLine } = require('botframework-directlinejs');
const { Observable } = require('rxjs/Observable');

const argument = (name) => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
};

const directLineUrl = argument('--directline');
const deskUrl = argument('--desk');
const apiKey = argument('--api-key');
const spec = JSON.parse(fs.readFileSync(argument('--conversation'), 'utf8'));
const timeoutMs = (spec.timeoutSeconds || 30) * 1000;
const transcript = [];
const vars = {};

// The client's HTTP goes through fetch (Node has no XMLHttpRequest), shaped like the rxjs ajax it expects.
const ajax = (request) => Observable.create((subscriber) => {
  fetch(request.url, {
    method: request.method || 'GET',
    headers: request.headers,
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
  }).then(async (response) => {
    const text = await response.text();
    const body = text ? JSON.parse(text) : null;
    if (response.status >= 400) {
      subscriber.error({ status: response.status, response: body, xhr: { getResponseHeader: (h) => response.headers.get(h) } });
    } else {
      subscriber.next({ status: response.status, response: body });
      subscriber.complete();
    }
  }, (error) => subscriber.error(error));
});

const visibleText = (activity) => {
  const texts = [];
  const walk = (node) => {
    if (Array.isArray(node)) { node.forEach(walk); return; }
    if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (typeof value === 'string' && ['text', 'summary', 'title', 'value', 'fallbackText'].includes(key)) texts.push(value);
        else walk(value);
      }
    }
  };
  walk({ text: activity.text, summary: activity.summary, attachments: activity.attachments });
  return texts.join('\n');
};

const fill = (text) => text.replace(/\{(\w+)\}/g, (_, name) => vars[name] ?? `{${name}}`);

const received = [];
let cursor = 0;
let notify = () => {};

const nextMatching = (pattern) => new Promise((resolve, reject) => {
  const regex = new RegExp(pattern, 's');
  const timer = setTimeout(() => reject(new Error(`no bot message matched /${pattern}/ within ${timeoutMs} ms`)), timeoutMs);
  const check = () => {
    while (cursor < received.length) {
      const text = visibleText(received[cursor++]);
      const match = regex.exec(text);
      if (match) { clearTimeout(timer); notify = () => {}; resolve({ text, match }); return; }
    }
  };
  notify = check;
  check();
});

const post = (directLine, activity) => new Promise((resolve, reject) => {
  directLine.postActivity(activity).subscribe(resolve, reject);
});

const main = async () => {
  // Polling, as offline-directline serves no web socket; Node 20 has no WebSocket global for the client to look up.
  const WebSocket = function NoWebSocket() { throw new Error('polling only'); };
  const directLine = new DirectLine({ domain: directLineUrl, secret: 'offline', webSocket: false, pollingInterval: 200, timeout: 10000, ajax, WebSocket });
  directLine.activity$.subscribe((activity) => {
    if (activity.type === 'message' && activity.from && activity.from.id !== spec.user.id) {
      received.push(activity);
      transcript.push({ from: 'bot', text: visibleText(activity) });
      notify();
    }
  });

  for (const step of spec.steps) {
    if (step.say !== undefined) {
      transcript.push({ from: 'user', text: step.say });
      await post(directLine, { type: 'message', from: spec.user, text: fill(step.say), locale: spec.locale });
    }
    if (step.submit !== undefined) {
      const value = JSON.parse(fill(JSON.stringify(step.submit)));
      transcript.push({ from: 'user', submit: value });
      await post(directLine, { type: 'message', from: spec.user, value, locale: spec.locale });
    }
    if (step.patch !== undefined) {
      const response = await fetch(`${deskUrl}/api/tickets/${vars.ticket}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', 'X-Api-Key': apiKey },
        body: fill(JSON.stringify(step.patch)),
      });
      transcript.push({ from: 'agent', patch: step.patch, status: response.status });
      if (!response.ok) throw new Error(`PATCH ${vars.ticket} answered ${response.status}: ${await response.text()}`);
    }
    if (step.expect !== undefined) {
      const { match } = await nextMatching(fill(step.expect));
      if (step.capture) vars[step.capture] = match[0];
    }
  }

  directLine.end();
};

main().then(
  () => { console.log(JSON.stringify({ ok: true, vars, transcript })); process.exit(0); },
  (error) => { console.log(JSON.stringify({ ok: false, error: String(error && error.message || error), vars, transcript })); process.exit(1); });
