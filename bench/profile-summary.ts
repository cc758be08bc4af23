/**
 * Where the time goes in a V8 CPU profile (`node --cpu-prof`): self time grouped by where the
 * code lives (each of the package's files, ajv's compiled schemas, ws, Node-RED, Node's own
 * modules, GC), the hottest functions, and — with `--frames` — microseconds per frame. With
 * `--from` / `--to` (ms on the monotonic clock, as bench/side-by-side.ts prints them in its
 * JSON `windowMs`) only the samples of that window count, so start-up and deploys stay out.
 * `--folded <file>` also writes the samples as folded stacks, the input of any flame-graph tool
 * (flamegraph.pl, speedscope, inferno).
 *
 * Run: `node -r ./bench/register.js bench/profile-summary.ts <file.cpuprofile> [--frames N] [--from ms --to ms] [--top 25]`
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a function lives, in the words the README uses. */
function categoryOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'V8/native (program)';
  const ours = url.includes('/node_modules/') ? null : /\/(?:dist\/)?nodes\/(.*?)\.(?:js|ts)$/.exec(url);
  if (ours) return `package: ${ours[1]}`;
  if (url === '' && /^validate\d*$/.test(functionName)) return 'ajv compiled schemas';
  if (url.includes('/node_modules/ws/')) return 'ws';
  if (url.includes('/node_modules/ajv/')) return 'ajv runtime';
  if (url.includes('@node-red/') || url.includes('/node_modules/node-red/')) return `node-red: ${(/@node-red\/([^/]+)/.exec(url) ?? ['', 'node-red'])[1]}`;
  if (url.includes('/bench/')) return 'bench (sinks, recorders, raw client)';
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0]}`;
  if (url === '') return `native: ${functionName || '(anonymous)'}`;
  return `other: ${url.replace(/^.*node_modules\//, '').split('/')[0]}`;
}

/**
 * The stages of one frame's path, innermost first: a sample counts for the first stage found
 * walking its stack from the leaf up (JSON.parse inside the frame parser counts as parsing,
 * Node-RED's id generation inside `node.send` as the send). Samples in none of them count by
 * where their own code lives.
 */
const STAGES: Array<[string, (frame: ProfileNode['callFrame'], category: string) => boolean]> = [
  ['Node-RED: node.send (ids, hooks, routing, queueing)', (f) => f.functionName === 'Node.send'],
  ['Node-RED: delivery to the next node (sink included)', (f) => f.functionName === 'deliverMessageToDestination'],
  ['ours: per-listener copies', (f, c) => c.startsWith('package') && (f.functionName === 'copyEvent' || f.functionName === 'copyNormalised')],
  ['ours: build msg (+ _msgid)', (f, c) => c.startsWith('package') && f.functionName === 'buildMessage'],
  ['ours: normalise', (f, c) => c.startsWith('package') && f.functionName === 'normaliseEvent'],
  ['ours: filters', (f, c) => c.startsWith('package') && f.functionName === 'accepts'],
  ['ours: seq verdict', (f, c) => c === 'package: lib/seq-tracker'],
  ['ours: validate (ajv)', (f, c) => c.startsWith('package') && f.functionName === 'validateEvent'],
  ['decode + JSON.parse', (f, c) => c.startsWith('package') && (f.functionName === 'parseEventFrameBytes' || f.functionName === 'parseFrame')],
  ['ours: UTF-8 check', (f) => f.functionName === 'isUtf8'],
];

/** Places counted by their own (self) time only: what runs below them belongs to the stages above. */
const SELF_ONLY: Record<string, string> = {
  'package: lib/hub/stream-positions': 'ours: position record',
  'package: lib/read-pacer': 'ours: read pacing',
};

function stageOf(leaf: ProfileNode, byId: Map<number, ProfileNode>, parent: Map<number, number>): string {
  const own = SELF_ONLY[categoryOf(leaf.callFrame)];
  if (own) return own;
  for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const category = categoryOf(frame);
    for (const [label, matches] of STAGES) if (matches(frame, category)) return label;
    // Held messages read when the pacer ends a slice: the reading, not the pacer.
    if (SELF_ONLY[category]) break;
  }
  const category = categoryOf(leaf.callFrame);
  return category.startsWith('package') ? `ours: other (${category.slice(9)})` : category.replace(/^node-red: .*/, 'Node-RED: other');
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { frames: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, top: { type: 'string' }, folded: { type: 'string' } },
  });
  if (positionals.length !== 1) {
    process.stderr.write('usage: profile-summary.ts <file.cpuprofile> [--frames N] [--from ms --to ms] [--top N] [--folded out.txt]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as Profile;
  const frames = values.frames ? Number(values.frames) : 0;
  const fromUs = values.from ? Number(values.from) * 1000 : -Infinity;
  const toUs = values.to ? Number(values.to) * 1000 : Infinity;
  const top = values.top ? Number(values.top) : 25;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const byStage = new Map<string, number>();
  const selfByCategory = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  const folded = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i];
    // A sample's time is the delta to the next one.
    const spent = profile.timeDeltas[i + 1] ?? 0;
    if (at < fromUs || at > toUs) continue;
    const node = byId.get(profile.samples[i]);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    total += spent;
    const stage = stageOf(node, byId, parent);
    byStage.set(stage, (byStage.get(stage) ?? 0) + spent);
    const category = categoryOf(node.callFrame);
    selfByCategory.set(category, (selfByCategory.get(category) ?? 0) + spent);
    const name = `${node.callFrame.functionName || '(anonymous)'} ${category}:${node.callFrame.lineNumber + 1}`;
    selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + spent);
    if (values.folded) {
      const stack: string[] = [];
      for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
        const frame = byId.get(id)?.callFrame;
        if (frame && frame.functionName !== '(root)') stack.push(`${frame.functionName || '(anonymous)'} [${categoryOf(frame)}]`);
      }
      const key = stack.reverse().join(';');
      folded.set(key, (folded.get(key) ?? 0) + spent);
    }
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const row = (label: string, us: number) =>
    out(`  ${label.padEnd(60)} ${(us / 1000).toFixed(0).padStart(7)} ms ${((us / total) * 100).toFixed(1).padStart(5)} %${frames > 0 ? `${(us / frames).toFixed(2).padStart(8)} µs/frame` : ''}`);
  out(`busy time in the window: ${(total / 1000).toFixed(0)} ms${frames > 0 ? ` = ${(total / frames).toFixed(2)} µs per frame over ${frames} frames` : ''}`);
  out('time by stage of the frame path (innermost stage on the stack):');
  for (const [stage, us] of [...byStage].sort((a, b) => b[1] - a[1])) row(stage, us);
  out('self time by place:');
  for (const [category, us] of [...selfByCategory].sort((a, b) => b[1] - a[1])) row(category, us);
  out(`hottest functions (self time, top ${top}):`);
  for (const [name, us] of [...selfByFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) row(name, us);
  if (values.folded) {
    writeFileSync(values.folded, [...folded].map(([stack, us]) => `${stack} ${Math.round(us)}`).join('\n') + '\n');
    out(`folded stacks written to ${values.folded}`);
  }
}

main();
