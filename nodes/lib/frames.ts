/**
 * The DSS frame codec: every server message is one text frame `LEN|JSON` (`docs/protocol.md` §5).
 *
 * `1|Z` is a heartbeat (answer `Z`), `1|X` a mobile keep-alive (no answer). Everything else
 * must be `LEN|<json>`, split at the first `|` only because values may contain `|`.
 *
 * LEN is advisory. Ayla's SDKs, and the clients built like them (a Home Assistant integration
 * reading the live mobile DSS, for one), ignore the number before `|`: a frame they deliver must
 * not be dropped here because its LEN disagrees. So the payload decides, and LEN only says how
 * far to trust it:
 *
 * - A frame is **usable** when the text after the first `|` is `Z`, `X` or JSON text
 *   (`JSON.parse` accepts it, surrounding whitespace included). It is returned whatever LEN
 *   says. When LEN is not a decimal number (1 to 10 ASCII digits) or equals none of the
 *   payload's UTF-8 byte length, UTF-16 length and code-point count, the result carries
 *   `lengthMismatch` ({@link LengthMismatch}) so that the stream can report it.
 * - A frame is **unusable** otherwise, and only then is it an error. The code names the first
 *   thing wrong, in this order: `EMPTY_FRAME` (empty frame), `FRAME_TOO_LARGE` (above
 *   `maxBytes`), `NO_SEPARATOR` (no `|` at all), `BAD_LENGTH` (LEN is not a decimal number),
 *   `EMPTY_FRAME` (nothing after `|`), `LENGTH_MISMATCH` (LEN disagrees with the payload,
 *   which is not JSON either: most likely a truncated frame or two frames glued together),
 *   `BAD_JSON` (LEN agrees, the JSON is broken).
 */
import { CodedError } from './errors';

/** Frames larger than this are refused before any parsing (1 MiB). */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** How much of a bad frame an error message may quote. */
const EXCERPT_CHARS = 40;

/** Stable codes for malformed frames; messages may change, codes do not. */
/** Stable codes of {@link FrameError}. */
export const FRAME_ERROR_CODES = [
  'EMPTY_FRAME',
  'NO_SEPARATOR',
  'BAD_LENGTH',
  'LENGTH_MISMATCH',
  'BAD_JSON',
  'FRAME_TOO_LARGE',
  'INVALID_UTF8',
] as const;

/** One of {@link FRAME_ERROR_CODES}. */
export type FrameErrorCode = (typeof FRAME_ERROR_CODES)[number];

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

/**
 * How a usable frame's LEN disagreed with its payload (LEN is advisory, see the module
 * comment). Present on a {@link Frame} only when there was a disagreement.
 */
export interface LengthMismatch {
  /** LEN as a number, or null when it is not a decimal number of 1 to 10 ASCII digits. */
  declared: number | null;
  /** LEN as received, for a log line: at most 40 characters, control characters flattened. */
  declaredText: string;
  /** The payload's length in UTF-8 bytes (what LEN should be). */
  bytes: number;
  /** The payload's length in Unicode code points. */
  chars: number;
}

/** One parsed frame. `lengthMismatch` is set only when LEN disagreed with the payload. */
export type Frame =
  | { kind: 'heartbeat'; lengthMismatch?: LengthMismatch }
  | { kind: 'keepalive'; lengthMismatch?: LengthMismatch }
  | {
      kind: 'event';
      /** The JSON text after the separator. */
      json: string;
      /** `JSON.parse(json)`: not yet validated as an event. */
      data: unknown;
      lengthMismatch?: LengthMismatch;
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

/** LEN as the protocol writes it: a decimal integer, leading zeros tolerated, no sign or spaces. */
const DECIMAL_LENGTH = /^[0-9]{1,10}$/;

/** Whether `declared` is one of the payload's lengths; the code-point count only when needed. */
function lengthAgrees(declared: number | null, payload: string, bytes: number): boolean {
  return declared !== null && (declared === bytes || declared === payload.length || declared === codePointLength(payload));
}

function mismatchOf(declared: number | null, lengthText: string, payload: string, bytes: number): LengthMismatch {
  return { declared, declaredText: excerptOf(lengthText), bytes, chars: codePointLength(payload) };
}

/**
 * Parses one WebSocket text frame from DSS.
 *
 * LEN is advisory (see the module comment): a payload that is `Z`, `X` or JSON is returned
 * whatever LEN says, with `lengthMismatch` when LEN is not a decimal number or matches neither
 * the payload's UTF-8 byte length nor its character length (code points or UTF-16 units).
 * Nothing is trimmed. Event payloads are parsed as JSON here, once per frame; whether the JSON
 * is an event is the business of `validateEvent` (events.ts).
 *
 * @param options.maxBytes - largest accepted frame in UTF-8 bytes, LEN included; default
 *   {@link MAX_FRAME_BYTES} (1 MiB).
 * @throws {@link FrameError} with a stable `code` when the frame is unusable.
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
  const declared = DECIMAL_LENGTH.test(lengthText) ? Number(lengthText) : null;

  if (payload === 'Z' || payload === 'X') {
    const kind = payload === 'Z' ? 'heartbeat' : 'keepalive';
    // Answering a heartbeat is what keeps the socket open: a wrong LEN must not stop that.
    return declared === 1 ? { kind } : { kind, lengthMismatch: mismatchOf(declared, lengthText, payload, 1) };
  }

  let data: unknown;
  let isJson = false;
  if (payload.length > 0) {
    try {
      data = JSON.parse(payload);
      isJson = true;
    } catch {
      // Not JSON: decided below, where LEN helps to name what is wrong.
    }
  }
  const bytes = Buffer.byteLength(payload, 'utf8');
  const agrees = lengthAgrees(declared, payload, bytes);
  if (isJson) {
    return agrees
      ? { kind: 'event', json: payload, data }
      : { kind: 'event', json: payload, data, lengthMismatch: mismatchOf(declared, lengthText, payload, bytes) };
  }
  if (declared === null) throw frameError('BAD_LENGTH', 'length is not a decimal number, and the payload is not JSON', frame);
  if (payload.length === 0) throw frameError('EMPTY_FRAME', 'empty payload', frame);
  if (!agrees) {
    throw frameError('LENGTH_MISMATCH', `declared ${declared}, payload has ${bytes} bytes and is not JSON`, frame);
  }
  throw frameError('BAD_JSON', 'payload is not JSON', frame);
}

/** `|` in UTF-8. */
const SEPARATOR_BYTE = 0x7c;
/** Most LEN digits {@link parseFrame} reads as a number. */
const MAX_LENGTH_DIGITS = 10;

/**
 * The common case of {@link parseFrame}, read straight from the frame's bytes: an event frame
 * whose LEN is the payload's UTF-8 byte length, whose payload parses as JSON, within
 * `maxBytes`. Then the payload is decoded once and parsed once, and the byte length comes
 * from the buffer instead of a second pass over the text. Returns null for anything else
 * (heartbeats, keep-alives, a LEN that disagrees or is not a number, broken JSON, an empty or
 * oversized frame): {@link parseFrame} on the decoded text then gives the same answer it always
 * gave, errors included. The caller has checked that `bytes` is valid UTF-8.
 *
 * @returns the payload text and its parsed JSON, or null for the general path
 */
export function parseEventFrameBytes(bytes: Buffer, maxBytes: number = MAX_FRAME_BYTES): { json: string; data: unknown } | null {
  const length = bytes.length;
  if (length > maxBytes) return null;
  const separator = bytes.indexOf(SEPARATOR_BYTE);
  if (separator < 1 || separator > MAX_LENGTH_DIGITS) return null;
  let declared = 0;
  for (let i = 0; i < separator; i++) {
    const digit = bytes[i] - 0x30;
    if (digit < 0 || digit > 9) return null;
    declared = declared * 10 + digit;
  }
  // LEN disagreeing with the byte length (or a 1-byte payload: Z, X) takes the general path.
  if (declared !== length - separator - 1 || declared < 2) return null;
  const json = bytes.toString('utf8', separator + 1);
  try {
    return { json, data: JSON.parse(json) };
  } catch {
    // Broken JSON: the general path names the error.
    return null;
  }
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
