/**
 * Client-side partitioning of a fleet between Node-RED instances (`docs/protocol.md` §4.7): an
 * in-node set to share `i/n` passes only the events of devices whose DSN hashes to share `i`
 * of `n`. DSS cannot partition a subscription by hash (a subscription names models, DSNs and
 * properties, nothing else), so every instance still receives, parses and validates the whole
 * stream of its subscription; the partition saves the flow's work, not the stream's. The hash is
 * FNV-1a (32 bits) over the DSN's UTF-16 code units: stable across versions, processes and
 * platforms, so two instances always agree.
 *
 * Free of Node built-ins: the editor bundle imports {@link partitionProblem}.
 */

/** A share of the fleet: `index` is 1-based, as written (`2/5`). */
export interface Partition {
  readonly index: number;
  readonly count: number;
}

/** Most shares a fleet can be cut into (1000). */
export const MAX_PARTITIONS = 1000;
const PARTITION_TEXT = /^\s*(\d{1,4})\s*\/\s*(\d{1,4})\s*$/;

/**
 * Reads `i/n`; '' (or undefined) means no partition. Returns null for anything else, or for
 * `i` outside 1..n, or `n` outside 1..{@link MAX_PARTITIONS}.
 */
export function parsePartition(text: unknown): Partition | null | 'none' {
  if (text === undefined || text === null || (typeof text === 'string' && text.trim() === '')) return 'none';
  if (typeof text !== 'string') return null;
  const match = PARTITION_TEXT.exec(text);
  if (!match) return null;
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > MAX_PARTITIONS || index < 1 || index > count) return null;
  return { index, count };
}

/** Why `text` is not a partition (`'format'`), or null when it is one or empty. */
export function partitionProblem(text: unknown): 'format' | null {
  return parsePartition(text) === null ? 'format' : null;
}

/** The 1-based share of `count` that `dsn` belongs to. */
export function partitionOf(dsn: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < dsn.length; i++) {
    hash ^= dsn.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % count) + 1;
}

/** A predicate over DSNs for `partition` (always true without one). */
export function partitionFilter(partition: Partition | 'none'): (dsn: string) => boolean {
  if (partition === 'none' || partition.count === 1) return () => true;
  const { index, count } = partition;
  return (dsn) => partitionOf(dsn, count) === index;
}
