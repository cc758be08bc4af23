/**
 * The account dialog: wires the endpoint rows, the service-URL rows, the heartbeat and write-rate
 * fields, the instance label's hint and message line, the credentials line, Test connection and
 * Copy diagnostics to the inputs of the `ayla-dss-account` template.
 */
import { instanceLabelFieldProblem } from './account-settings';
import { countSignInUsers } from './account-users';
import { createCopyDiagnostics } from './copy-diagnostics';
import { CREDENTIAL_FIELDS, credentialsProblem, filledCredentials } from './credentials-check';
import { inputText } from './dialog-values';
import { refreshEndpoints } from './endpoint-summary';
import { createFieldMessage } from './field-message';
import { createNumericField, type NumericField } from './numeric-field';
import { createTestConnection, type TestConnectionRequest } from './test-connection';
import { describe, t } from './translate';
import { MAX_INSTANCE_LABEL_CHARS } from '../lib/node-options';
import type { EditorNode } from './red-api';

/** The prefix Node-RED gives a config dialog's inputs. */
const INPUT = '#node-config-input';
const URL_INPUTS = `${INPUT}-streamUrl, ${INPUT}-apiUrl, ${INPUT}-userUrl, ${INPUT}-deviceUrl`;
const CREDENTIAL_INPUTS = CREDENTIAL_FIELDS.map((field) => `${INPUT}-${field}`).join(', ');

/** The open account dialogs' numeric fields, read on save. */
const numericFields = new WeakMap<EditorNode, { heartbeat: NumericField; writeRate: NumericField }>();

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
    deviceUrl: field('deviceUrl').trim(),
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

  const deviceUrl = $(`${INPUT}-deviceUrl`);
  function refresh(): void {
    const custom = region.val() === 'custom';
    $('.ayla-dss-custom-row').toggle(custom);
    $('.ayla-dss-table-row').toggle(!custom);
    refreshEndpoints({ region, deployment, clientType, deviceUrl, box: $('#ayla-dss-endpoints') });
    $('#ayla-dss-insecure-warning').toggle(custom && allowInsecure.prop('checked') === true);
    // Re-run Node-RED's validators of the URL fields: they depend on region and allowInsecure.
    $(URL_INPUTS).trigger('change');
  }
  for (const select of [region, deployment, clientType, allowInsecure]) select.on('change', refresh);
  refresh();
  // Typing an override changes the summary's device-service line, not the other fields' validity.
  deviceUrl.on('input', () => refreshEndpoints({ region, deployment, clientType, deviceUrl, box: $('#ayla-dss-endpoints') }));

  numericFields.set(node, {
    heartbeat: createNumericField($('#ayla-dss-heartbeatTimeout'), 'heartbeatTimeout', node.heartbeatTimeout),
    writeRate: createNumericField($('#ayla-dss-writeRate'), 'writeRate', node.writeRate),
  });

  const credentialsLine = createFieldMessage($(`${INPUT}-appSecret`).closest('.form-row'));
  function checkCredentials(): void {
    const found = credentialsProblem(filledCredentials(credentialInputs()), countSignInUsers(node.id));
    credentialsLine.show(found ? describe(found) : null);
  }
  $(CREDENTIAL_INPUTS).on('input change', checkCredentials);
  checkCredentials();

  $('#ayla-dss-instance-label-tip').text(t('ayla-dss-account.tip.instanceLabel', { max: MAX_INSTANCE_LABEL_CHARS }));
  const instanceLabel = $(`${INPUT}-instanceLabel`);
  const instanceLabelLine = createFieldMessage(instanceLabel.closest('.form-row'));
  function checkInstanceLabel(): void {
    const found = instanceLabelFieldProblem(instanceLabel.val());
    instanceLabelLine.show(found ? describe(found) : null);
  }
  instanceLabel.on('input change', checkInstanceLabel);
  checkInstanceLabel();

  const test = createTestConnection($('#ayla-dss-test-connection-row'), () => testRequest(node));
  for (const select of [region, deployment, clientType, allowInsecure]) select.on('change', () => test.invalidate());
  // `input`, not `change`: refresh() triggers `change` on the URL fields to re-validate them.
  $(`${URL_INPUTS}, ${CREDENTIAL_INPUTS}`).on('input', () => test.invalidate());

  createCopyDiagnostics($('#ayla-dss-diagnostics-row'), () => node.id);
}

/** `oneditsave` of the account type: the heartbeat and the write rate are not Node-RED inputs, so they are stored here. */
export function saveAccountDialog(node: EditorNode): void {
  const fields = numericFields.get(node);
  if (fields) {
    node.heartbeatTimeout = fields.heartbeat.read();
    node.writeRate = fields.writeRate.read();
  }
  numericFields.delete(node);
}
