/**
 * The retention buffer of one stream key: the last N events, numbered by `seq`, with O(1)
 * append and eviction whatever N is (a 5-minute outage at 5,000 events/s is 1.5 million events
 * to keep for replay), and nothing but one string reference per event.
 *
 * What is kept is the event's JSON without its opening `{`; the same string is shared by every
 * subscription that receives the event, since only the `seq` put in front differs (see
 * {@link eventJson}).
 */

/** Events per chunk: a power of two, so positions split with shifts and masks. */
const CHUNK_BITS = 12;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;

/**
 * The JSON of an event as sent on a stream key: `seq` first (as Ayla orders it), then the rest.
 *
 * @param body - the event's JSON without its opening `{` (so `}` alone for an empty object).
 */
export function eventJson(seq: number, body: string): string {
  return `{"seq":"${seq}"${body === '}' ? '' : ','}${body}`;
}

/** A bounded, seq-numbered log of event bodies: a deque of fixed-size chunks. */
export class EventLog {
  private readonly chunks: string[][] = [];
  /** Position of the oldest event inside `chunks[0]`. */
  private headOffset = 0;
  private count = 0;
  private next = 0;

  /** @param capacity - events kept; the oldest is dropped beyond it. */
  constructor(readonly capacity: number) {}

  /** The seq the next event gets (seq counts from 0). */
  get nextSeq(): number {
    return this.next;
  }

  /** The seq of the oldest event still kept (equals {@link nextSeq} when empty). */
  get firstSeq(): number {
    return this.next - this.count;
  }

  /** Events kept. */
  get length(): number {
    return this.count;
  }

  /** Appends an event body and returns its seq; drops the oldest beyond the capacity. */
  append(body: string): number {
    let tail = this.chunks[this.chunks.length - 1];
    if (tail === undefined || tail.length === CHUNK_SIZE) {
      tail = [];
      this.chunks.push(tail);
    }
    tail.push(body);
    this.count++;
    if (this.count > this.capacity) this.dropOldest();
    return this.next++;
  }

  /** The body of the event with this seq, or undefined when it is not (or no longer) kept. */
  bodyAt(seq: number): string | undefined {
    if (seq < this.firstSeq || seq >= this.next) return undefined;
    const position = this.headOffset + (seq - this.firstSeq);
    return this.chunks[position >> CHUNK_BITS][position & CHUNK_MASK];
  }

  /** The full JSON of every kept event with `fromSeq <= seq < toSeq`, oldest first (for inspection, not streaming). */
  jsonFrom(fromSeq = 0, toSeq = this.next): string[] {
    const result: string[] = [];
    const end = Math.min(toSeq, this.next);
    for (let seq = Math.max(fromSeq, this.firstSeq); seq < end; seq++) result.push(eventJson(seq, this.bodyAt(seq) as string));
    return result;
  }

  private dropOldest(): void {
    // Release the string now rather than when the whole chunk goes.
    this.chunks[0][this.headOffset] = '';
    this.headOffset++;
    this.count--;
    if (this.headOffset === CHUNK_SIZE) {
      this.chunks.shift();
      this.headOffset = 0;
    }
  }
}
