/**
 * Validation of DSS events against JSON Schemas (ajv, compiled once at load;
 * `docs/protocol.md` §6.4). The schemas are deliberately tolerant where Ayla's pipelines are known
 * to vary (optional `resource_tags`, extra fields anywhere, values whose JSON type does not match
 * `base_type`, new connectivity statuses, the datapointack body under `datapoint` or
 * `datapointack`) and strict only where a message cannot be an event at all. An error names the
 * failing path and the reason, never the event's content.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { CodedError } from './errors';
import { EVENT_TYPES, type EventType } from './event-types';
import type { AylaEvent, EventEnvelope } from './events';

/** Longest {@link EventValidationError} message, in characters: a log line, never the frame. */
export const MAX_VALIDATION_MESSAGE_CHARS = 200;

/** What {@link EventValidationError} says about the failure, beyond the path. */
export interface ValidationReason {
  /**
   * The JSON Schema keyword that failed, as ajv names it: `type`, `required`, `minLength`,
   * `enum`, `const`, `anyOf`, … (`const` also for an event of a type the stream does not carry).
   */
  keyword?: string;
  /**
   * What the field should have been, in words: a type (`string`, `string or null`), the missing
   * property's name, the allowed values (`connectivity, datapoint, …`), a minimum length.
   * Never a value taken from the event.
   */
  expected?: string;
  /** The reason as shown after the path, e.g. `must be string (type)`. */
  detail?: string;
}

/** Keeps a text within `limit` characters, marking the cut. */
function capText(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

/** The part of a hand-written message after its path: `invalid event: /seq is not …` → `is not …`. */
function detailFromMessage(message: string, path: string): string {
  const marker = `: ${path === '' ? 'the event' : path}`;
  const at = message.indexOf(marker);
  return at < 0 ? message : message.slice(at + marker.length).replace(/^:?\s*/, '');
}

/**
 * Thrown by {@link validateEvent}. `path` is the JSON pointer of the first failing field,
 * `keyword` / `expected` / `detail` say what was wrong with it; `params` carries all four for
 * the catalog text (`path`, `keyword`, `expected`, `detail`). The message, at most
 * {@link MAX_VALIDATION_MESSAGE_CHARS} characters, reads `invalid <type> event: <path>: <detail>`
 * and never quotes the event.
 */
export class EventValidationError extends CodedError<'INVALID_EVENT'> {
  /** JSON pointer of the first failing field (`''` = the event itself). */
  readonly path: string;
  /** The failing schema keyword (see {@link ValidationReason.keyword}); `''` when not known. */
  readonly keyword: string;
  /** What was expected, in words (see {@link ValidationReason.expected}); `''` when not known. */
  readonly expected: string;
  /** The reason after the path, e.g. `must be string (type)`. */
  readonly detail: string;

  /**
   * @param message - the whole message; cut to {@link MAX_VALIDATION_MESSAGE_CHARS} characters.
   * @param path - JSON pointer of the failing field.
   * @param reason - keyword, expectation and detail; without a detail, it is the message's text
   *   after the path.
   */
  constructor(message: string, path: string, reason: ValidationReason = {}) {
    const keyword = reason.keyword ?? '';
    const expected = capText(reason.expected ?? '', MAX_VALIDATION_MESSAGE_CHARS / 2);
    const detail = capText(reason.detail ?? detailFromMessage(message, path), MAX_VALIDATION_MESSAGE_CHARS);
    super('INVALID_EVENT', capText(message, MAX_VALIDATION_MESSAGE_CHARS), { params: { path, keyword, expected, detail } });
    this.path = path;
    this.keyword = keyword;
    this.expected = expected;
    this.detail = detail;
  }
}

const nonEmptyString = { type: 'string', minLength: 1 } as const;
const optionalText = { type: ['string', 'null'] } as const;
/**
 * seq as Ayla sends it (a string of digits) or, tolerated, as a JSON number. At most 15 digits
 * so that every accepted seq converts to a JavaScript number exactly (2^53 has 16 digits).
 */
const seqSchema = {
  anyOf: [
    { type: 'string', pattern: '^[0-9]{1,15}$' },
    { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
  ],
} as const;
/** A coordinate: a decimal string, possibly space-padded, or a number. */
const coordinateSchema = {
  anyOf: [{ type: 'string', pattern: '^\\s*[-+]?[0-9]+(\\.[0-9]+)?\\s*$' }, { type: 'number' }],
} as const;

function envelopeSchema(eventType: EventType, metadataRequired: string[], body: Record<string, unknown>, bodyRequired: string[]) {
  return {
    type: 'object',
    required: ['seq', 'metadata', ...bodyRequired],
    properties: {
      seq: seqSchema,
      metadata: {
        type: 'object',
        required: ['dsn', 'event_type', ...metadataRequired],
        properties: {
          dsn: nonEmptyString,
          event_type: { const: eventType },
          oem_id: optionalText,
          oem_model: optionalText,
          resource_tags: { type: ['array', 'null'] },
          property_name: nonEmptyString,
          display_name: optionalText,
          base_type: optionalText,
        },
      },
      ...body,
    },
  };
}

const datapointBodySchema = {
  type: 'object',
  required: ['value'],
  properties: {
    ack_status: { type: ['integer', 'string', 'null'] },
    metadata: { type: ['object', 'null'] },
  },
} as const;

/** JSON Schemas, one per event type (draft-07, as ajv's default). Exported for documentation and tooling. */
export const EVENT_SCHEMAS: Readonly<Record<EventType, object>> = {
  connectivity: envelopeSchema(
    'connectivity',
    [],
    { connection: { type: 'object', required: ['status'], properties: { status: nonEmptyString } } },
    ['connection'],
  ),
  datapoint: envelopeSchema('datapoint', ['property_name'], { datapoint: datapointBodySchema }, ['datapoint']),
  datapointack: {
    ...envelopeSchema('datapointack', ['property_name'], { datapoint: datapointBodySchema, datapointack: datapointBodySchema }, []),
    anyOf: [{ required: ['datapointack'] }, { required: ['datapoint'] }],
  },
  location: envelopeSchema(
    'location',
    [],
    { location_event: { type: 'object', required: ['lat', 'long'], properties: { lat: coordinateSchema, long: coordinateSchema } } },
    ['location_event'],
  ),
  registration: envelopeSchema(
    'registration',
    [],
    {
      registration_event: {
        type: 'object',
        required: ['registered'],
        properties: {
          registered: { anyOf: [{ type: 'boolean' }, { enum: [0, 1, '0', '1', 'true', 'false'] }] },
          registration_type: optionalText,
        },
      },
    },
    ['registration_event'],
  ),
};

/** What every event must have before its type can even be known. */
const ENVELOPE_SCHEMA = {
  type: 'object',
  required: ['seq', 'metadata'],
  properties: {
    seq: seqSchema,
    metadata: {
      type: 'object',
      required: ['event_type', 'dsn'],
      properties: { event_type: { enum: [...EVENT_TYPES] }, dsn: nonEmptyString },
    },
  },
} as const;

// strict: false lets the schemas use `anyOf` next to `required` without ajv warnings;
// allErrors stays off so a hostile event costs one failing check, not a full report.
const ajv = new Ajv({ strict: false, allErrors: false });
const validateEnvelope = ajv.compile(ENVELOPE_SCHEMA);
const validators = Object.fromEntries(EVENT_TYPES.map((type) => [type, ajv.compile(EVENT_SCHEMAS[type])])) as Record<
  EventType,
  ValidateFunction
>;

/**
 * Clearer words than ajv's for the fields whose schema is an `anyOf` or an `enum` (ajv would
 * report the first branch only, e.g. "must match pattern …" for a numeric seq): what the field
 * must be, the keyword reported, and what is expected.
 */
const FIELD_EXPECTATIONS: Readonly<Record<string, { keyword: string; expected: string; words: string }>> = {
  '/metadata/event_type': { keyword: 'enum', expected: EVENT_TYPES.join(', '), words: `must be one of ${EVENT_TYPES.join(', ')}` },
  '/seq': {
    keyword: 'anyOf',
    expected: 'a decimal integer of at most 15 digits',
    words: 'must be a decimal integer of at most 15 digits (usually a string such as "13")',
  },
  '/location_event/lat': {
    keyword: 'anyOf',
    expected: 'a decimal number or decimal string',
    words: 'must be a decimal number or a decimal string such as " 44.769500"',
  },
  '/location_event/long': {
    keyword: 'anyOf',
    expected: 'a decimal number or decimal string',
    words: 'must be a decimal number or a decimal string such as "-69.428300"',
  },
  '/registration_event/registered': {
    keyword: 'anyOf',
    expected: 'true, false, 0, 1, "0", "1", "true" or "false"',
    words: 'must be true, false, 0, 1, "0", "1", "true" or "false"',
  },
};

/** A schema value (allowed values, types) in words, never longer than a log line wants. */
function listOf(values: unknown): string {
  const items = Array.isArray(values) ? values : [values];
  return items.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(', ');
}

interface DescribedError {
  path: string;
  keyword: string;
  expected: string;
  detail: string;
}

/** The first ajv error in words: where, which keyword, what was expected, and the reason. */
function describeError(error: ErrorObject | undefined): DescribedError {
  if (!error) return { path: '', keyword: 'type', expected: 'object', detail: 'is not a valid event (type)' };
  const path = error.instancePath;
  const keyword = error.keyword;
  const params = error.params as Record<string, unknown>;
  if (keyword === 'required') {
    const missing = String(params.missingProperty);
    // The datapointack body may be under either key; name the documented one.
    if (path === '' && missing === 'datapointack') {
      return {
        path: '/datapoint',
        keyword,
        expected: 'datapoint or datapointack',
        detail: 'must have a "datapoint" or "datapointack" body (required)',
      };
    }
    return { path: `${path}/${missing}`, keyword, expected: missing, detail: `must have required property '${missing}' (required)` };
  }
  const known = Object.prototype.hasOwnProperty.call(FIELD_EXPECTATIONS, path) ? FIELD_EXPECTATIONS[path] : undefined;
  if (known) return { path, keyword: known.keyword, expected: known.expected, detail: `${known.words} (${known.keyword})` };
  switch (keyword) {
    case 'type': {
      const expected = (Array.isArray(params.type) ? params.type : [params.type]).map(String).join(' or ');
      return { path, keyword, expected, detail: `must be ${expected} (type)` };
    }
    case 'minLength': {
      const limit = Number(params.limit);
      return { path, keyword, expected: `at least ${limit} character${limit === 1 ? '' : 's'}`, detail: `${error.message} (minLength)` };
    }
    case 'enum':
      return { path, keyword, expected: listOf(params.allowedValues), detail: `must be one of ${listOf(params.allowedValues)} (enum)` };
    case 'const':
      return { path, keyword, expected: listOf(params.allowedValue), detail: `must be ${JSON.stringify(params.allowedValue)} (const)` };
    default:
      // ajv's own words name the rule (a pattern, a limit), never the input.
      return { path, keyword, expected: error.message ?? keyword, detail: `${error.message ?? 'is invalid'} (${keyword})` };
  }
}

function fail(error: ErrorObject | undefined, eventType?: string): never {
  const described = describeError(error);
  const where = described.path === '' ? 'the event' : described.path;
  const prefix = eventType ? `invalid ${eventType} event` : 'invalid event';
  throw new EventValidationError(`${prefix}: ${where}: ${described.detail}`, described.path, described);
}

/** `metadata.event_type` when it is one of the five types, else null (no schema run yet). */
function claimedType(data: unknown): EventType | null {
  if (data === null || typeof data !== 'object') return null;
  const metadata = (data as { metadata?: unknown }).metadata;
  if (metadata === null || typeof metadata !== 'object') return null;
  const type = (metadata as { event_type?: unknown }).event_type;
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(validators, type) ? (type as EventType) : null;
}

/**
 * Checks that `data` (a parsed frame payload) is a DSS event and returns it typed.
 *
 * @param data - the parsed JSON of one event frame.
 * @param expectedType - when given, an event of another type is rejected (a cloud
 *   subscription carries exactly one type).
 * @throws {@link EventValidationError} naming the first failing JSON path (for instance
 *   `/metadata/dsn`), the schema keyword and what was expected there.
 */
export function validateEvent(data: unknown, expectedType?: EventType): AylaEvent {
  // The usual case, one schema: the event's own type's schema implies the envelope's (seq,
  // dsn, a known event_type), so passing it is passing both. Anything else takes the full path
  // below, which finds and words the first failure exactly as before.
  const claimed = claimedType(data);
  if (claimed !== null && (expectedType === undefined || claimed === expectedType) && validators[claimed](data)) return data as AylaEvent;
  if (!validateEnvelope(data)) fail(validateEnvelope.errors?.[0]);
  const eventType = (data as EventEnvelope).metadata.event_type;
  if (expectedType && eventType !== expectedType) {
    const detail = `is "${eventType}", this stream carries "${expectedType}" events (const)`;
    throw new EventValidationError(`invalid event: /metadata/event_type: ${detail}`, '/metadata/event_type', {
      keyword: 'const',
      expected: expectedType,
      detail,
    });
  }
  const validate = validators[eventType];
  if (!validate(data)) fail(validate.errors?.[0], eventType);
  return data as AylaEvent;
}
