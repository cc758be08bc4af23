/**
 * The one way text reaches HTML in this editor. Texts from the runtime (a Test connection answer
 * quotes the account's e-mail domain), from flows (names, patterns, imported values) and from
 * the catalog (Node-RED's i18next does not escape parameters) are escaped here before
 * `RED.notify` or a validator message, which Node-RED inserts as HTML in places. Everywhere
 * else the dialogs set text with jQuery's `.text()`; eslint refuses `.html(…)` and `innerHTML`
 * in nodes/editor.
 */
import { describe } from './translate';
import type { Problem } from './problem';
import type { EditorNode, Validator } from './red-api';

declare const htmlBrand: unique symbol;
/** A string that is safe to insert as HTML: only {@link escapeHtml} makes one. */
export type Html = string & { readonly [htmlBrand]: true };

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `text` with the five HTML-significant characters replaced by entities (safe in element content and quoted attributes). */
export function escapeHtml(text: string): Html {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char]) as Html;
}

/** Shows a notification whose message is plain text. */
export function notifyText(text: string, type: 'success' | 'error' | 'warning'): void {
  RED.notify(escapeHtml(text), type);
}

/**
 * A Node-RED validator from a check that returns a {@link Problem} or null. It declares two
 * parameters, so Node-RED shows the (escaped) text instead of a bare "invalid".
 */
export function nodeRedValidator(check: (node: EditorNode, value: unknown) => Problem | null): Validator {
  return function validate(this: EditorNode, value: unknown, _options: unknown): true | Html {
    const found = check(this, value);
    return found ? escapeHtml(describe(found)) : true;
  };
}
