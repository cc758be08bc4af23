/**
 * What an `ayla-datapoint-out` node writes, decided before anything is sent: the target device
 * and property (from the node, else from the message), whether the property can be written at
 * all, and the payload converted to the property's base type (`docs/protocol.md` §7.3). Every
 * refusal is a {@link DeviceError} with a code, and nothing reaches the device service.
 */
import { DeviceError } from './device-errors';
import type { PropertyInfo } from './device-records';
import { convertValue } from './normalise';

/** The device and property a write goes to. */
export interface WriteTarget {
  dsn: string;
  property: string;
}

/** Longest DSN or property name accepted from a message (Ayla's are far shorter). */
export const MAX_TARGET_CHARS = 200;

function textOf(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/**
 * The target of a write: the node's `dsn` and `property` when set, else the message's
 * `msg.dsn` / `msg.property`, else `msg.topic` as `"<dsn>/<property>"` (the topic the in-nodes
 * set, so an event can be fed back). Each of the two is taken separately in that order.
 *
 * @throws {@link DeviceError} `NO_TARGET` when the DSN or the property is missing or unusable
 */
export function writeTargetOf(config: { dsn?: string; property?: string }, msg: Record<string, unknown>): WriteTarget {
  const topic = textOf(msg.topic);
  const slash = topic.indexOf('/');
  const fromTopic = slash > 0 ? { dsn: topic.slice(0, slash).trim(), property: topic.slice(slash + 1).trim() } : { dsn: '', property: '' };
  const dsn = textOf(config.dsn) || textOf(msg.dsn) || fromTopic.dsn;
  const property = textOf(config.property) || textOf(msg.property) || fromTopic.property;
  const usable = (value: string) => value !== '' && value.length <= MAX_TARGET_CHARS && !/[\p{Cc}]/u.test(value);
  if (!usable(dsn) || !usable(property)) {
    throw new DeviceError('NO_TARGET', 'no device and property to write: set them in the node, or send msg.topic "<dsn>/<property>" (or msg.dsn and msg.property)', {
      outcome: 'not-written',
    });
  }
  return { dsn, property };
}

/**
 * Refuses a property nobody can write: an `output` (the device reports it), a `read_only`
 * input, or a `file` (Ayla's file datapoints need an upload protocol this package does not
 * speak).
 *
 * @throws {@link DeviceError} `PROPERTY_NOT_WRITABLE`, `PROPERTY_READ_ONLY` or `UNSUPPORTED_BASE_TYPE`
 */
export function checkWritable(target: WriteTarget, property: PropertyInfo): void {
  const params = { dsn: target.dsn, property: target.property, baseType: property.baseType ?? '' };
  if (property.direction === 'output') {
    throw new DeviceError('PROPERTY_NOT_WRITABLE', `${target.property} is an output property: the device reports it, it cannot be written`, { params, outcome: 'not-written' });
  }
  if (property.readOnly) {
    throw new DeviceError('PROPERTY_READ_ONLY', `${target.property} is read-only`, { params, outcome: 'not-written' });
  }
  if (property.baseType === 'file') {
    throw new DeviceError('UNSUPPORTED_BASE_TYPE', `${target.property} is a file property: files cannot be written by this node`, { params, outcome: 'not-written' });
  }
}

/**
 * `payload` as the device service takes it for a property of `baseType`, by the rules values
 * are read with (`docs/protocol.md` §6.5): `boolean` from true/false, 0/1,
 * "0"/"1", "true"/"false", sent as 1 / 0; `integer` from whole numbers and their
 * text; `decimal` from numbers and decimal text (`"21.5"`); `string` and `message` from text,
 * numbers and booleans (as their text). Unknown base types take any single value (booleans as
 * 1 / 0).
 *
 * @throws {@link DeviceError} `INVALID_VALUE` (params `property`, `baseType`, `detail`) when the
 *   payload does not fit; nothing is sent then
 */
export function writeValueOf(payload: unknown, target: WriteTarget, baseType: string | null): number | string {
  const params = { dsn: target.dsn, property: target.property, baseType: baseType ?? '' };
  if (payload === null || payload === undefined) {
    throw new DeviceError('INVALID_VALUE', `no value to write to ${target.property} (msg.payload is empty)`, { params: { ...params, detail: 'msg.payload is empty' }, outcome: 'not-written' });
  }
  const converted = convertValue(payload, baseType);
  if (converted.error !== undefined || converted.value === null || (typeof converted.value === 'number' && !Number.isFinite(converted.value))) {
    const detail = converted.error ?? 'not a value';
    throw new DeviceError('INVALID_VALUE', `cannot write ${detail} to ${target.property} (${baseType ?? 'no base type'})`, {
      params: { ...params, detail },
      outcome: 'not-written',
    });
  }
  if (typeof converted.value === 'boolean') return converted.value ? 1 : 0;
  return converted.value;
}
