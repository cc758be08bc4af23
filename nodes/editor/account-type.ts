/**
 * The `ayla-dss-account` config node type: its definition, validators and label.
 */
import { countSignInUsers } from './account-users';
import { customUrlFieldProblem, heartbeatProblem, HEARTBEAT, instanceLabelFieldProblem, writeRateProblem } from './account-settings';
import { credentialInputs, prepareAccountDialog, saveAccountDialog } from './account-dialog';
import { credentialsProblem, filledCredentials, type CredentialField } from './credentials-check';
import { currentValue } from './dialog-values';
import { nodeRedValidator } from './escape';
import { accountScope } from './node-labels';
import { t } from './translate';
import { CONFIG_VERSION } from '../lib/config-migration';
import { NUMERIC_SETTINGS } from '../lib/node-options';
import type { CustomUrlField } from '../lib/endpoints';
import type { EditorNode, Validator } from './red-api';

/** A service URL field's validator: the region and the insecure checkbox may be changing in the open dialog. */
function customUrlValidator(field: CustomUrlField): Validator {
  return nodeRedValidator((node, value) =>
    customUrlFieldProblem(
      field,
      value,
      currentValue(node, 'region', 'node-config-input'),
      currentValue(node, 'allowInsecure', 'node-config-input') === true,
    ),
  );
}

/**
 * The node-level check, on `heartbeatTimeout`: its own range, then the credentials. Node-RED
 * validates credential definitions only in the open dialog (red.js `validateNode` reads
 * `_def._creds`, which nothing sets, in 3.1 to 4.1), so a deploy would not list an account
 * without credentials. The check therefore rides on a `defaults` entry, and on this one because
 * it has no Node-RED input (`#ayla-dss-heartbeatTimeout`): Node-RED never marks a field red
 * for it, so the credential message does not land on an unrelated field.
 */
const heartbeatAndCredentials = nodeRedValidator(
  (node, value) => heartbeatProblem(value) ?? credentialsProblem(filledCredentials(node.credentials), countSignInUsers(node.id)),
);

/**
 * A credential input's validator in the open dialog: marks the empty inputs of an incomplete
 * set, with the reason in the tooltip (the line under the inputs says it too).
 */
function credentialValidator(field: CredentialField): Validator {
  return nodeRedValidator((node) => {
    const inputs = credentialInputs();
    const found = credentialsProblem(filledCredentials(inputs), countSignInUsers(node.id));
    return found && inputs[field] === '' ? found : null;
  });
}

/** The canvas and config-list label of an unnamed account: where it connects. */
function accountLabel(this: EditorNode): string {
  if (typeof this.name === 'string' && this.name !== '') return this.name;
  const scope = accountScope(this);
  if (scope.kind === 'table') return t('ayla-dss-account.nodeLabel.table', scope);
  return scope.host === null ? t('ayla-dss-account.nodeLabel.customNoUrl') : t('ayla-dss-account.nodeLabel.custom', { host: scope.host });
}

/** Registers the account type. Its definition stays one literal object: tools read category and icon from it. */
export function registerAccountType(): void {
  RED.nodes.registerType('ayla-dss-account', {
    category: 'config',
    defaults: {
      configVersion: { value: CONFIG_VERSION },
      name: { value: '' },
      region: { value: 'us', required: true },
      deployment: { value: 'field' },
      clientType: { value: 'cloud' },
      streamUrl: { value: '', validate: customUrlValidator('streamUrl') },
      apiUrl: { value: '', validate: customUrlValidator('apiUrl') },
      userUrl: { value: '', validate: customUrlValidator('userUrl') },
      deviceUrl: { value: '', validate: customUrlValidator('deviceUrl') },
      heartbeatTimeout: { value: HEARTBEAT.default, validate: heartbeatAndCredentials },
      writeRate: { value: NUMERIC_SETTINGS.writeRate.default, validate: nodeRedValidator((_node, value) => writeRateProblem(value)) },
      allowInsecure: { value: false },
      instanceLabel: { value: '', validate: nodeRedValidator((_node, value) => instanceLabelFieldProblem(value)) },
    },
    credentials: {
      email: { type: 'text', validate: credentialValidator('email') },
      password: { type: 'password', validate: credentialValidator('password') },
      appId: { type: 'password', validate: credentialValidator('appId') },
      appSecret: { type: 'password', validate: credentialValidator('appSecret') },
    },
    icon: 'ayla-dss-account.svg',
    paletteLabel: () => t('ayla-dss-account.paletteLabel'),
    label: accountLabel,
    oneditprepare() {
      prepareAccountDialog(this);
    },
    oneditsave() {
      saveAccountDialog(this);
    },
  });
}
