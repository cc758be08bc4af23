'use strict';
// Preloaded (`node --require`) into the one `node-red-dev validate` process that
// scripts/scorecard.js starts, never into anything else. It keeps that process off the network:
//
// - node-red-dev fetches the Flow Library catalogue and npm metadata with its own axios and
//   hard-coded https URLs. An axios request interceptor sends every such request to the stub
//   server on loopback instead, keeping the path (`/catalogue.json`, `/node-red`, …), and
//   remembers which host it was meant for (the stub server logs it).
// - npm-check and npm-remote-ls (its dependency checks) ask the registry that npm's config
//   names; scripts/scorecard.js sets npm_config_registry to the stub server for them.
// - As a guard for anything else, a TCP connection to any host but loopback fails at once with
//   an error naming the host, so a new network call in node-red-dev shows up as a failed check
//   instead of quietly going out.
//
// Nothing on disk is changed: node_modules stays as npm installed it.
const net = require('node:net');
const path = require('node:path');
const { URL } = require('node:url');

const stubUrl = process.env.AYLA_SCORECARD_STUB_URL;
if (!stubUrl || !/^http:\/\/127\.0\.0\.1:\d+$/.test(stubUrl)) {
  throw new Error('scorecard-offline: AYLA_SCORECARD_STUB_URL must be http://127.0.0.1:<port> (set by scripts/scorecard.js)');
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Host a Socket#connect call is aimed at, or null for a local (IPC) socket. */
function targetHost(args) {
  let first = args[0];
  // net.connect passes [options, callback] normalised into an array with a symbol; unwrap it.
  if (Array.isArray(first)) first = first[0];
  if (first && typeof first === 'object') return first.path ? null : first.host || 'localhost';
  if (typeof first === 'string' && !/^\d+$/.test(first)) return null; // a pipe or socket path
  return typeof args[1] === 'string' ? args[1] : 'localhost';
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const host = targetHost(args);
  if (host !== null && !LOOPBACK.has(host)) {
    const error = new Error(`scorecard-offline: refused a connection to ${host}: the scorecard runs offline; serve what it needs from scripts/scorecard-stubs/`);
    error.code = 'ESCORECARDOFFLINE';
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return connect.apply(this, args);
};

// node-red-dev's own axios (it depends on an older major than anything else in the tree):
// resolve it from node-red-dev's folder so this is the very module instance it will require.
const nodeRedDevDir = path.dirname(require.resolve('node-red-dev/package.json'));
const axios = require(require.resolve('axios', { paths: [nodeRedDevDir] }));
axios.interceptors.request.use((config) => {
  const url = new URL(config.url);
  if (!LOOPBACK.has(url.hostname)) {
    config.url = `${stubUrl}${url.pathname}${url.search}`;
    config.headers = { ...config.headers, 'x-scorecard-host': url.host };
  }
  // A proxy from the environment would take even a loopback request elsewhere.
  config.proxy = false;
  return config;
});
