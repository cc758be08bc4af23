'use strict';
// `bench-sink`: the end of every flow of bench/side-by-side.ts. It reads the seq of each message
// (`msg.ayla.seq` from our nodes, `msg.event.seq` from the DIY function), hands it to the
// recorder the benchmark registered for this node id (`RED.settings.benchSinks`), and, when
// the benchmark asks for a slow flow, busy-waits `workMs` per message.
//
// A node of its own, like bench/soak-sink: what a user's flow ends in, behind one wire (Node-RED
// then delivers without cloning), and without a function node's vm sandbox or a messaging hook
// that would add cost to every delivery in the runtime.
const { performance } = require('node:perf_hooks');

module.exports = function registerBenchSink(RED) {
  function BenchSinkNode(config) {
    RED.nodes.createNode(this, config);
    const registry = RED.settings.benchSinks;
    const recorder = registry ? registry.recorderFor(this.id) : undefined;
    if (!recorder) {
      this.error('no recorder for this sink: this node only works inside bench/side-by-side.ts');
      return;
    }
    this.on('input', (msg, _send, done) => {
      recorder.record(msg.ayla !== undefined ? msg.ayla.seq : Number(msg.event && msg.event.seq));
      const workMs = registry.workMs;
      if (workMs > 0) {
        const end = performance.now() + workMs;
        while (performance.now() < end) {
          // the slow flow: synchronous work nobody can interrupt
        }
      }
      done();
    });
  }
  RED.nodes.registerType('bench-sink', BenchSinkNode);
};
