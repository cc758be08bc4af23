/**
 * Property values: how they are written (and refused), how they change on their own, and how
 * coordinates are printed (docs/protocol.md §6, §7).
 */
import { randomUuid, type Random } from './prng';
import type { PropertyBehaviour, ScenarioProperty } from './scenario';

/** A property value as events carry it: booleans as 0/1. */
export type PropertyValue = number | string;

/** Ayla's integer properties are 32-bit signed. */
const INTEGER_MIN = -(2 ** 31);
const INTEGER_MAX = 2 ** 31 - 1;

/**
 * Ayla's coordinate string: six decimals, positive values padded with a leading space
 * (`" 44.769500"`, `"-69.428300"`).
 */
export function formatCoordinate(degrees: number): string {
  const text = degrees.toFixed(6);
  return degrees < 0 ? text : ` ${text}`;
}

/** Normalises a scenario value to what events carry (booleans as 0/1). */
export function eventValue(property: ScenarioProperty, value: boolean | number | string): PropertyValue {
  if (property.baseType === 'boolean') return value === true || value === 1 ? 1 : 0;
  return value as PropertyValue;
}

/** A number from a JSON number or a numeric string (Ayla's clients send both); undefined otherwise. */
function numberFrom(raw: unknown): number | undefined {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && raw.trim() !== '') {
    const number = Number(raw);
    return Number.isNaN(number) ? undefined : number;
  }
  return undefined;
}

/**
 * Converts a value written through the device API to the property's base type, or says why it
 * does not fit (a 422): boolean takes true/false, 0/1 and their strings and is stored as 1/0;
 * integer takes whole numbers within 32 bits; decimal takes finite numbers (numeric strings
 * too, for both); string, message and file take strings only.
 */
export function coerceWrittenValue(property: ScenarioProperty, raw: unknown): { value: PropertyValue } | { error: string } {
  switch (property.baseType) {
    case 'boolean': {
      if (raw === true || raw === 1 || raw === '1' || raw === 'true') return { value: 1 };
      if (raw === false || raw === 0 || raw === '0' || raw === 'false') return { value: 0 };
      return { error: `value must be a boolean (true, false, 0 or 1) for ${property.name}` };
    }
    case 'integer': {
      const number = numberFrom(raw);
      if (number !== undefined && Number.isInteger(number) && number >= INTEGER_MIN && number <= INTEGER_MAX) return { value: number };
      return { error: `value must be a whole number from ${INTEGER_MIN} to ${INTEGER_MAX} for ${property.name}` };
    }
    case 'decimal': {
      const number = numberFrom(raw);
      if (number !== undefined && Number.isFinite(number)) return { value: number };
      return { error: `value must be a number for ${property.name}` };
    }
    default:
      if (typeof raw === 'string') return { value: raw };
      return { error: `value must be a string for ${property.name}` };
  }
}

function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/**
 * The next automatic value of a property: small steps, within bounds, so a temperature drifts
 * rather than jumps. Returns undefined for properties that only change when written.
 */
export function nextAutomaticValue(property: ScenarioProperty, current: PropertyValue, random: Random, dsn: string): PropertyValue | undefined {
  const behaviour: PropertyBehaviour = property.behaviour ?? { kind: 'static' };
  switch (behaviour.kind) {
    case 'static':
      return undefined;
    case 'toggle':
      return current === 1 ? 0 : 1;
    case 'drift': {
      const decimals = property.baseType === 'integer' ? 0 : (behaviour.decimals ?? 2);
      let next = Number(current) + (random() * 2 - 1) * behaviour.step;
      next = Math.min(behaviour.max, Math.max(behaviour.min, next));
      next = roundTo(next, decimals);
      // A drift that rounds back to the same value would be no change; nudge by one unit.
      if (next === current) next = roundTo(next + (next < behaviour.max ? 1 : -1) * 10 ** -decimals, decimals);
      return next;
    }
    case 'counter': {
      const decimals = property.baseType === 'integer' ? 0 : (behaviour.decimals ?? 2);
      return roundTo(Number(current) + Math.max(10 ** -decimals, random() * behaviour.step), decimals);
    }
    case 'choice': {
      const others = behaviour.values.filter((value) => value !== current);
      return others.length > 0 ? others[Math.floor(random() * others.length)] : current;
    }
    case 'file':
      return `https://files.example.com/ayla/${dsn}/${randomUuid(random)}.${behaviour.extension ?? 'bin'}`;
  }
}
