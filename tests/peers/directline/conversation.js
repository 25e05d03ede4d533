// Holds a conversation with the bot as a user would, through the official Direct Line client
// (botframework-directlinejs), following steps given as data:
//   { "locale": "es-ES", "user": { "id": "...", "name": "..." }, "timeoutSeconds": 30,
//     "steps": [ { "say": "text" | "submit": { card data } | "press": "regex of a button title", "inputs": { id: value },
//                  "patch": { REST changes to {ticket} },
//                  "expect": "regex, {name} filled from earlier captures", "capture": "name", "card": "name" } ] }
// A step may say something, submit card data, press a button of the last bot message it matched (as Web Chat
// does: the button's data with the card's inputs filled in), or change the ticket through the desk's REST API;
// then, with "expect", it waits for the next bot message whose visible text matches (skipping others), keeps
// the regex's first group (or the whole match) under "capture" and the message's card (heading, texts, facts, inputs, buttons)
// under "card", for the caller to check what the user saw.
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
const cards = {};
let lastMatched = null;

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

// What a user sees of an Adaptive Card: its TextBlocks (the heading flagged), facts, input fields and buttons.
const cardOf = (activity) => {
  const card = { texts: [], heading: null, facts: [], inputs: [], buttons: [] };
  const walk = (node) => {
    if (Array.isArray(node)) { node.forEach(walk); return; }
    if (!node || typeof node !== 'object') return;
    if (node.type === 'TextBlock') {
      if (node.style === 'heading' && card.heading === null) card.heading = node.text; else card.texts.push(node.text);
    } else if (node.type === 'FactSet') {
      node.facts.forEach((f) => card.facts.push({ title: f.title, value: f.value }));
    } else if (typeof node.type === 'string' && node.type.startsWith('Input.')) {
      card.inputs.push(node.id);
    } else if (node.type === 'Action.Submit' || node.type === 'Action.Execute') {
      card.buttons.push(node.title);
      return;
    }
    Object.values(node).forEach(walk);
  };
  (activity.attachments || []).forEach((a) => walk(a.content));
  if (activity.text) card.texts.unshift(activity.text);
  return card;
};

// The data a button sends: Action.Submit's own, or the Action.Submit fallback of an Action.Execute.
const buttonsOf = (activity) => {
  const buttons = [];
  const walk = (node) => {
    if (Array.isArray(node)) { node.forEach(walk); return; }
    if (!node || typeof node !== 'object') return;
    if (node.type === 'Action.Submit') { buttons.push({ title: node.title, data: node.data || {} }); return; }
    if (node.type === 'Action.Execute') { buttons.push({ title: node.title, data: (node.fallback && node.fallback.data) || node.data || {} }); return; }
    Object.values(node).forEach(walk);
  };
  (activity.attachments || []).forEach((a) => walk(a.content));
  return buttons;
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
      if (match) { clearTimeout(timer); notify = () => {}; resolve({ text, match, activity: received[cursor - 1] }); return; }
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
    if (step.press !== undefined) {
      if (lastMatched === null) throw new Error(`nothing to press /${step.press}/ on: no bot message matched yet`);
      const regex = new RegExp(fill(step.press));
      const buttons = buttonsOf(lastMatched);
      const button = buttons.find((b) => regex.test(b.title));
      if (!button) throw new Error(`no button /${step.press}/ on the card; it has: ${buttons.map((b) => b.title).join(' | ')}`);
      const value = { ...button.data, ...JSON.parse(fill(JSON.stringify(step.inputs || {}))) };
      transcript.push({ from: 'user', press: button.title, submit: value });
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
      const { match, activity } = await nextMatching(fill(step.expect));
      lastMatched = activity;
      if (step.capture) vars[step.capture] = match[1] ?? match[0];
      if (step.card) cards[step.card] = cardOf(activity);
    }
  }

  directLine.end();
};

main().then(
  () => { console.log(JSON.stringify({ ok: true, vars, cards, transcript })); process.exit(0); },
  (error) => { console.log(JSON.stringify({ ok: false, error: String(error && error.message || error), vars, cards, transcript })); process.exit(1); });
