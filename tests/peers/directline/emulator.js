// A Direct Line service and Bot Connector on loopback, from the offline-directline package:
// clients talk Direct Line 3.0 to it, it forwards their activities to the bot and takes the bot's
// replies on the Connector routes (/v3/conversations/...).
// Usage: node emulator.js --bot http://127.0.0.1:PORT/api/messages
// Prints "listening <serviceUrl>" once ready; stops on SIGTERM or when stdin closes.
'use strict';

const express = require('express');
const { getRouter } = require('offline-directline');

const argument = (name) => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
};

const botUrl = argument('--bot');
if (!botUrl) {
  console.error('usage: node emulator.js --bot <bot messaging endpoint>');
  process.exit(2);
}

const app = express();
const server = app.listen(0, '127.0.0.1', () => {
  // The serviceUrl must name the port, which is known only once listening: mount the routes now.
  const serviceUrl = `http://127.0.0.1:${server.address().port}`;
  app.use(getRouter(serviceUrl, botUrl));
  console.log(`listening ${serviceUrl}`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
