/**
 * Malformed frames the simulator can send on purpose, one per way a DSS frame can be broken
 * (mirrors the FrameError codes of nodes/lib/frames.ts), so clients' error paths can be tested.
 */
import { MAX_FRAME_BYTES } from '../nodes/lib/frames';

/** The named kinds accepted by `POST /sim/faults/malformed`. */
export const MALFORMED_KINDS = ['no-separator', 'bad-length', 'length-mismatch', 'bad-json', 'empty', 'too-large'] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

/** True when `value` is one of {@link MALFORMED_KINDS}. */
export function isMalformedKind(value: unknown): value is MalformedKind {
  return typeof value === 'string' && (MALFORMED_KINDS as readonly string[]).includes(value);
}

/**
 * A frame broken in the named way:
 * - `no-separator`: JSON without `LEN|`;
 * - `bad-length`: a LEN that is not a number, in front of text that is not JSON either;
 * - `length-mismatch`: a wrong LEN in front of truncated JSON (LEN is advisory: with complete JSON the frame would be delivered);
 * - `bad-json`: a correct LEN in front of text that is not JSON;
 * - `empty`: an empty text frame;
 * - `too-large`: a well-formed event frame one byte over {@link MAX_FRAME_BYTES} (1 MiB).
 */
export function malformedFrame(kind: MalformedKind): string {
  switch (kind) {
    case 'no-separator':
      return '{"seq":"0","metadata":{}}';
    case 'bad-length':
      return 'abc|{"seq":"0"';
    case 'length-mismatch':
      return '99|{"seq":"0"';
    case 'bad-json': {
      const text = '{"seq":"0",metadata}';
      return `${Buffer.byteLength(text, 'utf8')}|${text}`;
    }
    case 'empty':
      return '';
    case 'too-large': {
      const skeleton = '{"seq":"0","padding":""}';
      // LEN and "|" count too: pad until the whole frame is MAX_FRAME_BYTES + 1 bytes.
      const lengthDigits = String(MAX_FRAME_BYTES).length;
      const padding = 'x'.repeat(MAX_FRAME_BYTES + 1 - lengthDigits - 1 - skeleton.length);
      const json = `{"seq":"0","padding":"${padding}"}`;
      return `${Buffer.byteLength(json, 'utf8')}|${json}`;
    }
  }
}
