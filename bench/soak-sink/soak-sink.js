'use strict';
// `soak-sink`: the end of the soak flow (bench/soak.ts). It hands `msg.ayla.seq` to the recorder
// the soak script puts into the Node-RED settings (`soakRecorder`) and does nothing else.
//
// Why a node of its own rather than a function node or a messaging hook: it is what a user's
// flow ends in (an ordinary node behind one wire, so Node-RED delivers the message without
// cloning it), without the vm sandbox a function node runs each message in, and without a hook
// that would add a call to EVERY message delivery in the runtime. The recorder keeps its
// counts outside the node (one byte per expected seq), so they survive redeploys.
module.exports = function registerSoakSink(RED) {
  function SoakSinkNode(config) {
    RED.nodes.createNode(this, config);
    const recorder = RED.settings.soakRecorder;
    if (!recorder) {
      this.error('no soakRecorder in the settings: this node only works inside bench/soak.ts');
      return;
    }
    this.on('input', (msg, _send, done) => {
      recorder.record(msg.ayla ? msg.ayla.seq : undefined);
      done();
    });
  }
  RED.nodes.registerType('soak-sink', SoakSinkNode);
};
