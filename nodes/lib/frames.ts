/**
 * The DSS frame codec: every server message is one text frame `LEN|JSON` (`docs/protocol.md` §5).
 *
 * `1|Z` is a heartbeat (answer `Z`), `1|X` a mobile keep-alive (no answer). Everything else
 * must be `LEN|<json>`, split at the first `|` only because values may contain `|`.
 */
import { CodedError } from './errors';

/** Frames larger than this are refused before any parsing (1 MiB). */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** How much of a bad frame an error message may quote. */
const EXCERPT_CHARS = 40;

/** Stable codes for malformed frames; messages may change, codes do not. */
export type FrameErrorCode =
  | 'EMPTY_FRAME'
  | 'NO_SEPARATOR'
  | 'BAD_LENGTH'
  | 'LENGTH_MISMATCH'
  | 'BAD_JSON'
  | 'FRAME_TOO_LARGE';

/**
 * A malformed frame. The message quotes at most a short excerpt of the frame; `params.excerpt`
 * carries the same excerpt for the catalog text.
 */
export class FrameError extends CodedError<FrameErrorCode> {
  /** At most {@link EXCERPT_CHARS} characters of the frame, for logs. */
  readonly excerpt: string;

  constructor(code: FrameErrorCode, message: string, excerpt: string) {
    super(code, message, { params: { excerpt } });
    this.excerpt = excerpt;
  }
}

/** One parsed frame. */
export type Frame =
  | { kind: 'heartbeat' }
  | { kind: 'keepalive' }
  | {
      kind: 'event';
      /** The JSON text after the separator. */
      json: string;
      /** `JSON.parse(json)`: not yet validated as an event. */
      data: unknown;
    };

export interface ParseFrameOptions {
  /** Largest accepted frame in UTF-8 bytes; default {@link MAX_FRAME_BYTES}. */
  maxBytes?: number;
}

/**
 * A short, single-line excerpt of untrusted text for error messages and logs: at most
 * {@link EXCERPT_CHARS} characters, control characters (newlines, ANSI escapes, NUL) shown as
 * spaces, never ending in half a surrogate pair, and `…` when something was cut off.
 */
export function excerptOf(text: string): string {
  let cut = Math.min(text.length, EXCERPT_CHARS);
  // Do not split an emoji (a surrogate pair) in two: a lone surrogate is not valid UTF-8 text.
  if (cut < text.length && /[\ud800-\udbff]/.test(text.charAt(cut - 1))) cut--;
  // eslint-disable-next-line no-control-regex -- removing control characters is the point.
  const flat = text.slice(0, cut).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
  return cut < text.length ? `${flat}…` : flat;
}

function frameError(code: FrameErrorCode, what: string, frame: string): FrameError {
  const excerpt = excerptOf(frame);
  return new FrameError(code, `malformed DSS frame (${what}): "${excerpt}"`, excerpt);
}

/** Number of Unicode code points in `text` (what a person would call characters). */
function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/**
 * Parses one WebSocket text frame from DSS.
 *
 * LEN must be a decimal integer (1 to 10 ASCII digits, leading zeros tolerated, no sign or
 * spaces) equal to the UTF-8 byte length of the payload; a LEN equal to its character length
 * (code points or UTF-16 units) is tolerated, since some servers count characters. Nothing is
 * trimmed: stray whitespace makes the lengths disagree. Event payloads are parsed as JSON here,
 * once per frame; whether the JSON is an event is the business of `validateEvent` (events.ts).
 *
 * @throws {@link FrameError} with a stable `code` when the frame is malformed.
 */
export function parseFrame(frame: string, options: ParseFrameOptions = {}): Frame {
  const maxBytes = options.maxBytes ?? MAX_FRAME_BYTES;
  if (frame.length === 0) throw frameError('EMPTY_FRAME', 'empty frame', frame);
  // A UTF-16 unit is at most 3 UTF-8 bytes, so only long frames need the exact count.
  if (frame.length * 3 > maxBytes && Buffer.byteLength(frame, 'utf8') > maxBytes) {
    throw frameError('FRAME_TOO_LARGE', `larger than ${maxBytes} bytes`, frame);
  }
  const separator = frame.indexOf('|');
  if (separator < 0) throw frameError('NO_SEPARATOR', 'no "|" separator', frame);
  const lengthText = frame.slice(0, separator);
  const payload = frame.slice(separator + 1);
  if (!/^[0-9]{1,10}$/.test(lengthText)) throw frameError('BAD_LENGTH', 'length is not a decimal number', frame);
  const declared = Number(lengthText);

  if (payload === 'Z' || payload === 'X') {
    if (declared !== 1) throw frameError('LENGTH_MISMATCH', `length ${declared} for a 1-character payload`, frame);
    return payload === 'Z' ? { kind: 'heartbeat' } : { kind: 'keepalive' };
  }
  if (payload.length === 0) throw frameError('EMPTY_FRAME', 'empty payload', frame);

  const bytes = Buffer.byteLength(payload, 'utf8');
  if (declared !== bytes && declared !== payload.length && declared !== codePointLength(payload)) {
    throw frameError('LENGTH_MISMATCH', `declared ${declared}, payload has ${bytes} bytes`, frame);
  }
  let data: unknown;
  try {
    data = JSON.parse(payload);
  } catch {
    throw frameError('BAD_JSON', 'payload is not JSON', frame);
  }
  return { kind: 'event', json: payload, data };
}

/**
 * Builds a `LEN|JSON` frame with LEN as the UTF-8 byte length (the simulator's choice,
 * `docs/protocol.md` §5).
 */
export function encodeFrame(json: string): string {
  return `${Buffer.byteLength(json, 'utf8')}|${json}`;
}

/** The heartbeat frame the server sends every 30 s. */
export const HEARTBEAT_FRAME = '1|Z';
/** The mobile keep-alive frame, which needs no answer. */
export const KEEPALIVE_FRAME = '1|X';
/** What a client answers to a heartbeat (Ayla's docs; the mobile SDKs echo `1|Z`). */
export const HEARTBEAT_ANSWER = 'Z';
