/**
 * The account dialog: wires the endpoint rows, the custom-URL rows, the heartbeat field, the
 * credentials line and Test connection to the inputs of the `ayla-dss-account` template.
 */
import { countSignInUsers } from './account-users';
import { CREDENTIAL_FIELDS, credentialsProblem, filledCredentials } from './credentials-check';
import { inputText } from './dialog-values';
import { refreshEndpoints } from './endpoint-summary';
import { createFieldMessage } from './field-message';
import { createHeartbeatField, type HeartbeatField } from './heartbeat-field';
import { createTestConnection, type TestConnectionRequest } from './test-connection';
import { describe } from './translate';
import type { EditorNode } from './red-api';

/** The prefix Node-RED gives a config dialog's inputs. */
const INPUT = '#node-config-input';
const URL_INPUTS = `${INPUT}-streamUrl, ${INPUT}-apiUrl, ${INPUT}-userUrl`;
const CREDENTIAL_INPUTS = CREDENTIAL_FIELDS.map((field) => `${INPUT}-${field}`).join(', ');

/** The open account dialogs' heartbeat fields, read on save. */
const heartbeatFields = new WeakMap<EditorNode, HeartbeatField>();

/** The credential inputs of the open dialog, by field (a stored password shows as `__PWRD__`). */
export function credentialInputs(): Record<string, string> {
  return Object.fromEntries(CREDENTIAL_FIELDS.map((field) => [field, inputText(`${INPUT}-${field}`)]));
}

function testRequest(node: EditorNode): TestConnectionRequest {
  const field = (name: string): string => inputText(`${INPUT}-${name}`);
  return {
    id: node.id,
    region: field('region'),
    deployment: field('deployment'),
    clientType: field('clientType'),
    streamUrl: field('streamUrl').trim(),
    apiUrl: field('apiUrl').trim(),
    userUrl: field('userUrl').trim(),
    allowInsecure: $(`${INPUT}-allowInsecure`).prop('checked') === true,
    credentials: { email: field('email').trim(), password: field('password'), appId: field('appId'), appSecret: field('appSecret') },
  };
}

/** `oneditprepare` of the account type. */
export function prepareAccountDialog(node: EditorNode): void {
  const region = $(`${INPUT}-region`);
  const deployment = $(`${INPUT}-deployment`);
  const clientType = $(`${INPUT}-clientType`);
  const allowInsecure = $(`${INPUT}-allowInsecure`);
  // Old or hand-written flows may lack these; the runtime defaults match.
  if (!region.val()) region.val('us');
  if (!deployment.val()) deployment.val('field');
  if (!clientType.val()) clientType.val('cloud');

  function refresh(): void {
    const custom = region.val() === 'custom';
    $('.ayla-dss-custom-row').toggle(custom);
    $('.ayla-dss-table-row').toggle(!custom);
    refreshEndpoints({ region, deployment, clientType, box: $('#ayla-dss-endpoints') });
    $('#ayla-dss-insecure-warning').toggle(custom && allowInsecure.prop('checked') === true);
    // Re-run Node-RED's validators of the URL fields: they depend on region and allowInsecure.
    $(URL_INPUTS).trigger('change');
  }
  for (const select of [region, deployment, clientType, allowInsecure]) select.on('change', refresh);
  refresh();

  heartbeatFields.set(node, createHeartbeatField($('#ayla-dss-heartbeatTimeout'), node.heartbeatTimeout));

  const credentialsLine = createFieldMessage($(`${INPUT}-appSecret`).closest('.form-row'));
  function checkCredentials(): void {
    const found = credentialsProblem(filledCredentials(credentialInputs()), countSignInUsers(node.id));
    credentialsLine.show(found ? describe(found) : null);
  }
  $(CREDENTIAL_INPUTS).on('input change', checkCredentials);
  checkCredentials();

  const test = createTestConnection($('#ayla-dss-test-connection-row'), () => testRequest(node));
  for (const select of [region, deployment, clientType, allowInsecure]) select.on('change', () => test.invalidate());
  // `input`, not `change`: refresh() triggers `change` on the URL fields to re-validate them.
  $(`${URL_INPUTS}, ${CREDENTIAL_INPUTS}`).on('input', () => test.invalidate());
}

/** `oneditsave` of the account type: the heartbeat is not a Node-RED input, so it is stored here. */
export function saveAccountDialog(node: EditorNode): void {
  const heartbeat = heartbeatFields.get(node);
  if (heartbeat) node.heartbeatTimeout = heartbeat.read();
  heartbeatFields.delete(node);
}
