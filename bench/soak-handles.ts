/**
 * Two views of what the process holds open, for the soak's redeploy check:
 *
 * - {@link activeResources}: what keeps the event loop alive (`process.getActiveResourcesInfo()`:
 *   sockets, servers, pipes, ref'ed timers), by type. Unref'ed timers are not in it.
 * - {@link ResourceTracker}: every async resource created while it is enabled and not destroyed
 *   since (async_hooks init/destroy), by type. This sees unref'ed timers and intervals too, so a
 *   heartbeat or status timer left behind by a closed node shows up here.
 */
import { AsyncLocalStorage, createHook, type AsyncHook } from 'node:async_hooks';

/** Counts by resource type. */
export type ResourceCounts = Map<string, number>;

/**
 * Types that are short-lived by nature or never report their end (promises are only
 * destroyed by GC): counting them would measure garbage, not leaks.
 */
const IGNORED_TYPES = new Set(['PROMISE', 'TickObject', 'Immediate', 'Microtask']);
/** Stack frames kept per creation site with `withOrigins` (after the async_hooks frames). */
const ORIGIN_FRAMES = 4;
/** Frames of async_hooks and timers internals at the top of a creation stack, skipped. */
const INTERNAL_FRAME = /\((node:internal\/async_hooks|node:internal\/timers|node:timers)[^)]*\)$/;

/** Active resources by type (`TCPSocketWrap`, `Timeout`, …), as `process.getActiveResourcesInfo()` lists them. */
export function activeResources(): ResourceCounts {
  const counts: ResourceCounts = new Map();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** `A 1, B 2 = 3`, types sorted by name. */
export function formatResources(counts: ResourceCounts): string {
  const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
  const parts = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([type, count]) => `${type} ${count}`);
  return parts.length === 0 ? 'none' : `${parts.join(', ')} = ${total}`;
}

/** Types whose count grew by more than `tolerance` from `before` to `after`, as `Type +N`. */
export function grownResources(before: ResourceCounts, after: ResourceCounts, tolerance: number): string[] {
  const grown: string[] = [];
  for (const [type, count] of after) {
    const growth = count - (before.get(type) ?? 0);
    if (growth > tolerance) grown.push(`${type} +${growth}`);
  }
  return grown;
}

/** Async resources created since {@link ResourceTracker.enable} and still alive, by type. */
export class ResourceTracker {
  /** asyncId → type, or `type @ creation site` with origins on. */
  private readonly live = new Map<number, string>();
  private readonly hook: AsyncHook;
  private readonly benchWork = new AsyncLocalStorage<boolean>();

  /** @param withOrigins - also record where each resource was created (a stack per resource: slow, for finding a leak). */
  constructor(private readonly withOrigins = false) {
    this.hook = createHook({
      init: (asyncId, type) => {
        if (IGNORED_TYPES.has(type) || this.benchWork.getStore() === true) return;
        this.live.set(asyncId, this.withOrigins ? `${type} @ ${originOf(new Error().stack)}` : type);
      },
      destroy: (asyncId) => {
        this.live.delete(asyncId);
      },
    });
  }

  /** Starts tracking (resources created before are not seen). */
  enable(): void {
    this.hook.enable();
  }

  /** Stops tracking and forgets everything. */
  disable(): void {
    this.hook.disable();
    this.live.clear();
  }

  /**
   * Runs `work` as the bench's own: nothing it creates, then or later in its asynchronous chain
   * (fetch's timeout timer, undici's sockets and per-request timers), is tracked. The soak's
   * control calls go through here, so the counts are the runtime's and the nodes', not the bench's.
   */
  untracked<T>(work: () => T): T {
    return this.benchWork.run(true, work);
  }

  /** Tracked resources still alive, by type. */
  alive(): ResourceCounts {
    const counts: ResourceCounts = new Map();
    for (const entry of this.live.values()) {
      const type = entry.split(' @ ')[0];
      counts.set(type, (counts.get(type) ?? 0) + 1);
    }
    return counts;
  }

  /** With origins on: the `limit` most common creation sites of live resources, `count× type @ frames`. */
  topOrigins(limit: number): string[] {
    const counts = new Map<string, number>();
    for (const entry of this.live.values()) counts.set(entry, (counts.get(entry) ?? 0) + 1);
    return [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([entry, count]) => `${count}× ${entry}`);
  }
}

function originOf(stack: string | undefined): string {
  const frames = (stack ?? '')
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => !INTERNAL_FRAME.test(line) && !line.includes('soak-handles'));
  return frames.slice(0, ORIGIN_FRAMES).join(' < ');
}
