/**
 * The "Copy diagnostics" component of the account dialog: a button that fetches the deployed
 * account's diagnostics from the runtime (`GET ayla-dss/accounts/:id/diagnostics`,
 * nodes/admin-routes.ts; secrets are left out there) and copies them to the clipboard as JSON
 * text. When the browser refuses the clipboard (no permission, no secure context, no API), the
 * text is shown in a read-only box, selected, for the user to copy. Everything is shown as text.
 */
import { notifyText } from './escape';
import { t } from './translate';

/** The runtime answers from memory; this only stops a request that hangs (15 s). */
const DIAGNOSTICS_REQUEST_TIMEOUT_MS = 15_000;

/** The route of an account's diagnostics, relative to the editor (Node-RED's admin root). */
export function diagnosticsUrl(accountId: string): string {
  return `ayla-dss/accounts/${encodeURIComponent(accountId)}/diagnostics`;
}

/** The text copied: the answer as indented JSON, ending with a newline. */
export function diagnosticsText(answer: unknown): string {
  return `${JSON.stringify(answer, null, 2)}\n`;
}

/** Writes `text` to the clipboard; rejects when the browser has no clipboard API or refuses it. */
function writeClipboard(text: string): Promise<void> {
  const clipboard = typeof navigator === 'undefined' ? undefined : navigator.clipboard;
  if (!clipboard || typeof clipboard.writeText !== 'function') return Promise.reject(new Error('no clipboard API'));
  return clipboard.writeText(text);
}

/**
 * Mounts the button, its result line and the (hidden) fallback box into `container`.
 *
 * @param accountId - read when the button is pressed: the dialog's account node id
 */
export function createCopyDiagnostics(container: JQuery, accountId: () => string): void {
  const buttonRow = $('<div class="form-row"></div>').appendTo(container);
  $('<label>&nbsp;</label>').appendTo(buttonRow);
  const button = $('<button type="button" id="ayla-dss-copy-diagnostics" class="red-ui-button"></button>').appendTo(buttonRow);
  $('<i class="fa fa-clipboard"></i>').appendTo(button);
  $('<span></span>').text(` ${t('ayla-dss-account.button.diagnostics')}`).appendTo(button);
  const resultRow = $('<div class="form-row" id="ayla-dss-diagnostics-result-row"></div>').hide().appendTo(container);
  $('<label>&nbsp;</label>').appendTo(resultRow);
  const result = $('<div id="ayla-dss-diagnostics-result" class="ayla-dss-test-result"></div>').appendTo(resultRow);
  const fallbackRow = $('<div class="form-row"></div>').hide().appendTo(container);
  const fallback = $('<textarea id="ayla-dss-diagnostics-text" class="ayla-dss-diagnostics-text" readonly></textarea>').appendTo(fallbackRow);
  $('<div class="form-tips"></div>').text(t('ayla-dss-account.tip.diagnostics')).appendTo(container);

  function show(kind: 'running' | 'ok' | 'failed', text: string): void {
    resultRow.show();
    result.removeClass('ayla-dss-ok ayla-dss-failed').text(text);
    if (kind !== 'running') result.addClass(kind === 'ok' ? 'ayla-dss-ok' : 'ayla-dss-failed');
    result[0].scrollIntoView({ block: 'nearest' });
  }

  function offerText(text: string): void {
    fallback.val(text);
    fallbackRow.show();
    fallback.trigger('focus').trigger('select');
    show('failed', t('ayla-dss-account.diagnostics.fallback'));
  }

  button.on('click', (event) => {
    event.preventDefault();
    button.prop('disabled', true);
    fallbackRow.hide();
    show('running', t('ayla-dss-account.diagnostics.running'));
    $.ajax({ url: diagnosticsUrl(accountId()), type: 'GET', dataType: 'json', timeout: DIAGNOSTICS_REQUEST_TIMEOUT_MS })
      .done((answer: unknown) => {
        const text = diagnosticsText(answer);
        writeClipboard(text).then(
          () => {
            const copied = t('ayla-dss-account.diagnostics.copied');
            show('ok', copied);
            notifyText(copied, 'success');
          },
          () => offerText(text),
        );
      })
      .fail((xhr: JQuery.jqXHR, status: string, error: string) => {
        const text = xhr.status === 404 ? t('ayla-dss-account.diagnostics.notDeployed') : t('ayla-dss-account.diagnostics.failed', { message: error || status || `HTTP ${xhr.status}` });
        show('failed', text);
        notifyText(text, 'error');
      })
      .always(() => {
        button.prop('disabled', false);
      });
  });
}
