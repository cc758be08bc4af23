/**
 * Short profiles of this process (the embedded Node-RED) through the inspector, summed by
 * function: where the CPU time goes (sampling CPU profiler), and which allocations are still
 * alive after a garbage collection (sampling heap profiler: what a growing heap holds, by the
 * stack that allocated it). Opt-in (`--profile-seconds`): the sampling itself costs a little.
 */
import { Session } from 'node:inspector';

/** One function's share of the samples. */
export interface ProfileLine {
  /** `name (file:line)`, the file relative to node_modules or the repository when it is inside. */
  where: string;
  selfPercent: number;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))));
}

function shortUrl(url: string): string {
  const inModules = url.lastIndexOf('node_modules/');
  if (inModules >= 0) return url.slice(inModules + 'node_modules/'.length);
  const inRepo = url.indexOf('/dist/');
  return inRepo >= 0 ? url.slice(inRepo + 1) : url.replace(/^file:\/\//, '');
}

/** Samples for `seconds` and returns the `top` functions by self time (garbage collection included). */
export async function profileFor(seconds: number, top: number): Promise<ProfileLine[]> {
  const session = new Session();
  session.connect();
  try {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: 500 });
    await post(session, 'Profiler.start');
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const { profile } = await post<{ profile: { nodes: ProfileNode[] } }>(session, 'Profiler.stop');
    const totals = new Map<string, number>();
    let all = 0;
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      if (hits === 0) continue;
      all += hits;
      const frame = node.callFrame;
      const where = `${frame.functionName || '(anonymous)'}${frame.url ? ` (${shortUrl(frame.url)}:${frame.lineNumber + 1})` : ''}`;
      totals.set(where, (totals.get(where) ?? 0) + hits);
    }
    return [...totals.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, hits]) => ({ where, selfPercent: (hits / Math.max(1, all)) * 100 }));
  } finally {
    session.disconnect();
  }
}

interface HeapSampleNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapSampleNode[];
}

/** One allocation site's share of what is still alive. */
export interface HeapLine {
  /** The allocating function and up to two callers, innermost first. */
  where: string;
  liveMb: number;
}

function frameName(frame: HeapSampleNode['callFrame']): string {
  return `${frame.functionName || '(anonymous)'}${frame.url ? ` (${shortUrl(frame.url)}:${frame.lineNumber + 1})` : ''}`;
}

/**
 * Samples allocations for `seconds`, collects garbage, and returns the `top` allocation stacks
 * by size still alive: what is retained, not what is churned.
 */
export async function liveAllocationsAfter(seconds: number, top: number): Promise<HeapLine[]> {
  const session = new Session();
  session.connect();
  try {
    await post(session, 'HeapProfiler.enable');
    await post(session, 'HeapProfiler.startSampling', { samplingInterval: 32 * 1024 });
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    await post(session, 'HeapProfiler.collectGarbage');
    const { profile } = await post<{ profile: { head: HeapSampleNode } }>(session, 'HeapProfiler.getSamplingProfile');
    await post(session, 'HeapProfiler.stopSampling');
    const totals = new Map<string, number>();
    const walk = (node: HeapSampleNode, stack: string[]): void => {
      const here = [frameName(node.callFrame), ...stack].slice(0, 3);
      if (node.selfSize > 0) {
        const key = here.join(' < ');
        totals.set(key, (totals.get(key) ?? 0) + node.selfSize);
      }
      for (const child of node.children) walk(child, here);
    };
    walk(profile.head, []);
    return [...totals.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, bytes]) => ({ where, liveMb: bytes / 2 ** 20 }));
  } finally {
    session.disconnect();
  }
}
