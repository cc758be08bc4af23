/**
 * The Test connection component of the account dialog: a button, a result line, and the POST to
 * the runtime's `ayla-dss/test-connection` admin route (nodes/admin-routes.ts), which signs in
 * with the dialog's current values. The answer quotes data from the server, so it is shown as
 * text and notified only through escape.ts.
 */
import type { CatalogKey } from './catalog-keys';
import { notifyText } from './escape';
import type { TranslateParams } from './red-api';
import { t } from './translate';

/** The runtime signs in with its own timeouts; this only stops a request that hangs (45 s). */
const TEST_REQUEST_TIMEOUT_MS = 45_000;

/** The body the admin route takes: the dialog's current account settings (the device look-ups take the same). */
export interface TestConnectionRequest {
  /** The account node's id: lets the runtime use stored secrets for unchanged password fields. */
  id: string;
  region: string;
  deployment: string;
  clientType: string;
  streamUrl: string;
  apiUrl: string;
  userUrl: string;
  /** The device-service URL override ('' = the region's own). */
  deviceUrl: string;
  allowInsecure: boolean;
  credentials: { email: string; password: string; appId: string; appSecret: string };
}

/** A mounted Test connection button. */
export interface TestConnection {
  /**
   * Hides the result and drops an answer still on its way: call it when a tested value
   * changes, so "Connection works" never stands next to settings that were not tested.
   */
  invalidate(): void;
}

type ResultKind = 'running' | 'ok' | 'failed';

/** What the route answers (HTTP 200, and 415 with the same shape). */
interface Answer {
  ok?: unknown;
  code?: unknown;
  /** The text in the runtime's language. */
  message?: unknown;
  /** The values that text shows, to word it from this editor's catalog instead. */
  params?: unknown;
}

/** The catalog text the runtime worded `message` from. */
const SIGNED_IN_KEY = 'ayla-dss-account.messages.signed-in';
const ERRORS_PREFIX = 'ayla-dss-account.errors.';

const ICONS: Readonly<Record<ResultKind, string>> = { running: 'fa-spinner fa-spin', ok: 'fa-check', failed: 'fa-exclamation-triangle' };

/**
 * The answer's message in the editor's language: the runtime words it in its own (the `lang`
 * setting or the server's locale), which need not be the browser's. Worded again from this
 * editor's catalog with the answer's `params`; the runtime's text when the answer has no
 * params (an older runtime) or this catalog lacks the text (a code newer than the editor).
 */
function answerMessage(answer: Answer): string {
  const message = typeof answer.message === 'string' ? answer.message : '';
  const params = answer.params;
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return message;
  const code = typeof answer.code === 'string' ? answer.code : '';
  if (answer.ok !== true && !/^[A-Z][A-Z0-9_]*$/.test(code)) return message;
  // The code comes from the runtime, so the key is only known at run time; t() answers an unknown key with the key itself.
  const key = (answer.ok === true ? SIGNED_IN_KEY : `${ERRORS_PREFIX}${code}`) as CatalogKey;
  const text = t(key, { detail: '', ...(params as TranslateParams), code });
  return text === '' || text.endsWith(key) ? message : text;
}

/** The text of a finished test. */
function resultText(answer: Answer | undefined): { kind: 'ok' | 'failed'; text: string } {
  const message = answer ? answerMessage(answer) : '';
  if (answer && answer.ok === true) return { kind: 'ok', text: t('ayla-dss-account.test.ok', { message }) };
  if (answer && typeof answer.code === 'string' && answer.code !== '') {
    return { kind: 'failed', text: t('ayla-dss-account.test.failedCode', { code: answer.code, message }) };
  }
  return { kind: 'failed', text: t('ayla-dss-account.test.failed', { message }) };
}

/**
 * Mounts the button and its result line into `container`.
 *
 * @param readRequest - the dialog's values, read when the button is pressed
 */
export function createTestConnection(container: JQuery, readRequest: () => TestConnectionRequest): TestConnection {
  const buttonRow = $('<div class="form-row"></div>').appendTo(container);
  $('<label>&nbsp;</label>').appendTo(buttonRow);
  const button = $('<button type="button" id="ayla-dss-test-connection" class="red-ui-button"></button>').appendTo(buttonRow);
  $('<i class="fa fa-plug"></i>').appendTo(button);
  $('<span></span>').text(` ${t('ayla-dss-account.button.test')}`).appendTo(button);
  const resultRow = $('<div class="form-row" id="ayla-dss-test-result-row"></div>').hide().appendTo(container);
  $('<label>&nbsp;</label>').appendTo(resultRow);
  const result = $('<div id="ayla-dss-test-result" class="ayla-dss-test-result"></div>').appendTo(resultRow);
  $('<div class="form-tips"></div>').text(t('ayla-dss-account.tip.testUnsaved')).appendTo(container);

  /** Counts runs and invalidations; an answer is shown only while its run is the latest. */
  let generation = 0;

  function show(kind: ResultKind, text: string): void {
    resultRow.show();
    result.removeClass('ayla-dss-ok ayla-dss-failed').empty();
    $('<i class="fa"></i>').addClass(ICONS[kind]).appendTo(result);
    $('<span></span>').text(` ${text}`).appendTo(result);
    if (kind !== 'running') result.addClass(kind === 'ok' ? 'ayla-dss-ok' : 'ayla-dss-failed');
    result[0].scrollIntoView({ block: 'nearest' }); // the tray may have scrolled the row out of sight
  }

  function finish(kind: 'ok' | 'failed', text: string): void {
    show(kind, text);
    notifyText(text, kind === 'ok' ? 'success' : 'error');
  }

  button.on('click', (event) => {
    event.preventDefault();
    const run = ++generation;
    button.prop('disabled', true);
    show('running', t('ayla-dss-account.test.running'));
    $.ajax({
      url: 'ayla-dss/test-connection',
      type: 'POST',
      contentType: 'application/json; charset=utf-8',
      data: JSON.stringify(readRequest()),
      dataType: 'json',
      timeout: TEST_REQUEST_TIMEOUT_MS,
    })
      .done((answer: Answer | undefined) => {
        if (run !== generation) return;
        const { kind, text } = resultText(answer);
        finish(kind, text);
      })
      .fail((xhr: JQuery.jqXHR, status: string, error: string) => {
        if (run !== generation) return;
        const body = xhr.responseJSON as Answer | undefined;
        const reason = body && typeof body.message === 'string' ? answerMessage(body) : error || status || `HTTP ${xhr.status}`;
        finish('failed', t('ayla-dss-account.test.unreachable', { message: reason }));
      })
      .always(() => {
        button.prop('disabled', false);
      });
  });

  return {
    invalidate() {
      generation++;
      resultRow.hide();
    },
  };
}
