/**
 * Checks of an event-in node's subscription fields: OEM model, DSNs and properties, each `*` or
 * a comma-separated list. They only matter for the `auto` source; with a stream key the
 * subscription exists already and the fields are ignored.
 */
import { subscriptionScopeProblem } from '../lib/node-options';
import { problem, type Problem } from './problem';

/** Where an event-in node's events come from (`docs/protocol.md` §4): a subscription it creates, or a stream key. */
export type Source = 'auto' | 'key';

/** The node's source; anything but `key` is `auto`, as old flows without the property run. */
export function sourceOf(value: unknown): Source {
  return value === 'key' ? 'key' : 'auto';
}

/** A spec field as the runtime reads it: missing (old flows) means `*`, blanks around it mean nothing. */
export function specText(value: unknown): string {
  return value === undefined || value === null ? '*' : String(value).trim();
}

/**
 * Why an OEM model or properties field cannot be saved, or null. The editor asks for an explicit
 * `*` instead of an empty field, so a cleared field is a visible choice, not an accident.
 */
export function specFieldProblem(value: unknown, source: Source): Problem | null {
  if (source === 'key') return null;
  return specText(value) === '' ? problem('common.error.emptyField') : null;
}

/**
 * Why the DSNs field cannot be saved, or null: empty, or `*` while the OEM model is `*` too
 * (Ayla refuses a subscription to every device of every model; the rule is
 * `subscriptionScopeProblem` in nodes/lib/node-options.ts).
 */
export function dsnsProblem(dsns: unknown, oemModel: unknown, source: Source): Problem | null {
  if (source === 'key') return null;
  const text = specText(dsns);
  if (text === '') return problem('common.error.emptyField');
  return subscriptionScopeProblem({ oemModel: specText(oemModel), dsns: text }) ? problem('common.error.dsnsRequired') : null;
}

/**
 * True when the node's subscription scope is still "everything" (OEM model and DSNs both `*`),
 * which is what a freshly dropped node has: the dialog then points at the field to fill.
 */
export function needsScope(oemModel: unknown, dsns: unknown, source: Source): boolean {
  return source === 'auto' && subscriptionScopeProblem({ oemModel: specText(oemModel), dsns: specText(dsns) }) !== null;
}
