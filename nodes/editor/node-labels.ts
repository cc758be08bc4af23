/**
 * The words a node shows on the canvas when it has no name: the event-in node's subscription
 * scope and the account's endpoint. Pure, so the rules are tested without an editor; the
 * definitions add the translated parts.
 */
import { sourceOf, specText } from './spec-fields';

/** A node's stored settings, as the editor holds them (any property may be missing in old flows). */
export type NodeSettings = Readonly<Record<string, unknown>>;

/** Longest label before it is cut with an ellipsis (characters). */
export const LABEL_MAX_CHARS = 40;

/** `text` cut to {@link LABEL_MAX_CHARS} characters, the last one an ellipsis when cut. */
export function shorten(text: string): string {
  const chars = Array.from(text);
  return chars.length > LABEL_MAX_CHARS ? `${chars.slice(0, LABEL_MAX_CHARS - 1).join('')}\u2026` : text;
}

/** What an event-in node listens to: a stream key, or its model (DSNs when the model is `*`) and properties. */
export type EventInScope = { kind: 'key' } | { kind: 'spec'; text: string };

/**
 * The scope of an unnamed event-in node for its label.
 *
 * @param withProperties - the type has a properties field (datapoint and datapointack)
 */
export function eventInScope(node: NodeSettings, withProperties: boolean): EventInScope {
  if (sourceOf(node.source) === 'key') return { kind: 'key' };
  const model = specText(node.oemModel);
  let text = model !== '*' && model !== '' ? model : specText(node.dsns);
  const properties = specText(node.properties);
  if (withProperties && properties !== '*' && properties !== '') text += `/${properties}`;
  return { kind: 'spec', text };
}

/** Where an unnamed account points: the table entry, or the custom stream URL's host (null while unusable). */
export type AccountScope = { kind: 'table'; region: string; deployment: string; clientType: string } | { kind: 'custom'; host: string | null };

/** The scope of an unnamed account for its label; missing settings read as the runtime defaults. */
export function accountScope(node: NodeSettings): AccountScope {
  if (node.region === 'custom') {
    try {
      return { kind: 'custom', host: new URL(String(node.streamUrl)).host || null };
    } catch {
      return { kind: 'custom', host: null }; // no usable URL yet: the validator says so
    }
  }
  const text = (value: unknown, fallback: string): string => (typeof value === 'string' && value !== '' ? value : fallback);
  return { kind: 'table', region: text(node.region, 'us'), deployment: text(node.deployment, 'field'), clientType: text(node.clientType, 'cloud') };
}
