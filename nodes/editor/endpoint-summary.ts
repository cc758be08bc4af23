/**
 * The account dialog's endpoint rows: the deployment and client-type selects offer only what
 * Ayla runs in the chosen region, and the resolved URLs are listed under them, the device
 * service's too (the override typed in its field, else the region's own, which the field shows
 * as its placeholder).
 */
import { endpointChoices } from './endpoint-choices';
import { t } from './translate';
import type { CatalogKey } from './catalog-keys';

/** The selects the summary follows and the box it writes into. */
export interface EndpointSelects {
  region: JQuery;
  deployment: JQuery;
  clientType: JQuery;
  /** The device-service URL field: its placeholder becomes the region's own URL. */
  deviceUrl: JQuery;
  box: JQuery;
}

/** Shows only the options in `allowed` (all when null) and moves off a choice it hides. */
function restrictOptions(select: JQuery, allowed: readonly string[] | null): void {
  select.find('option').each(function mark() {
    const option = this as HTMLOptionElement;
    const available = allowed === null || allowed.includes(option.value);
    $(option).prop('disabled', !available).prop('hidden', !available);
  });
  if (allowed !== null && allowed.length > 0 && !allowed.includes(String(select.val()))) select.val(allowed[0]);
}

function endpointLine(labelKey: CatalogKey, value: string | null): JQuery {
  const line = $('<div class="ayla-dss-endpoint"></div>');
  $('<span class="ayla-dss-endpoint-label"></span>').text(t(labelKey)).appendTo(line);
  if (value) $('<code></code>').text(value).appendTo(line);
  else $('<span class="ayla-dss-muted"></span>').text(t('ayla-dss-account.tip.notPublished')).appendTo(line);
  return line;
}

/** Restricts the selects to the region's combinations and lists the URLs they resolve to. */
export function refreshEndpoints(selects: EndpointSelects): void {
  const region = String(selects.region.val() ?? '');
  let choices = endpointChoices(region, String(selects.deployment.val() ?? ''), String(selects.clientType.val() ?? ''));
  restrictOptions(selects.deployment, choices.deployments);
  // The deployment may have moved: offer that deployment's client types, then resolve again.
  choices = endpointChoices(region, String(selects.deployment.val() ?? ''), String(selects.clientType.val() ?? ''));
  restrictOptions(selects.clientType, choices.clientTypes);
  choices = endpointChoices(region, String(selects.deployment.val() ?? ''), String(selects.clientType.val() ?? ''));
  selects.box.empty();
  const resolved = choices.resolved;
  const own = resolved?.deviceUrl ?? null;
  selects.deviceUrl.attr('placeholder', own ?? t('ayla-dss-account.placeholder.deviceUrl'));
  if (!resolved) return;
  const override = String(selects.deviceUrl.val() ?? '').trim();
  selects.box.append(
    endpointLine('ayla-dss-account.label.streamUrl', resolved.streamUrl),
    endpointLine('ayla-dss-account.label.apiUrl', resolved.apiUrl),
    endpointLine('ayla-dss-account.label.userUrl', resolved.userUrl),
    endpointLine('ayla-dss-account.label.deviceUrl', override !== '' ? override : own),
  );
  if (!resolved.apiUrl || !resolved.userUrl) $('<div class="ayla-dss-warning"></div>').text(t('ayla-dss-account.tip.noRest')).appendTo(selects.box);
}
