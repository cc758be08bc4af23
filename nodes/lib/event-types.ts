/**
 * The names DSS uses for event types, property base types, connectivity statuses and
 * registration types (`docs/protocol.md` §6). A file of constants only, with no schema
 * compiler behind it, so the editor bundle can import the same lists as the runtime.
 */

/** The event types DSS pushes, one per cloud subscription. */
export const EVENT_TYPES = ['connectivity', 'datapoint', 'datapointack', 'location', 'registration'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Ayla property base types. Unknown ones are passed through as strings by the normaliser. */
export const BASE_TYPES = ['boolean', 'integer', 'decimal', 'string', 'message', 'file'] as const;
export type BaseType = (typeof BASE_TYPES)[number];

/** Connectivity statuses seen so far; newer servers may add more, which stay valid. */
export const KNOWN_CONNECTIVITY_STATUSES = ['Online', 'Offline', 'initializing', 'pollingOnline'] as const;

/** Registration types Ayla documents; others are accepted as plain strings. */
export const REGISTRATION_TYPES = ['AP-Mode', 'Same-LAN', 'Dsn', 'Button-Push', 'Display'] as const;

/** True for one of the five {@link EVENT_TYPES}. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}
