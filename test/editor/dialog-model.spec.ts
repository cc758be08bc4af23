/**
 * The pure parts behind the editor's dialogs and labels, run in Node without a browser: the
 * connectivity status choice, the endpoint choices per region, node labels, and HTML escaping.
 */
import { strict as assert } from 'node:assert';
import { ENDPOINT_TABLE, deploymentsFor } from '../../nodes/lib/endpoints';
import { KNOWN_CONNECTIVITY_STATUSES } from '../../nodes/lib/event-types';
import { CHECKBOX_STATUSES, statusChoiceOf, statusesToSave } from '../../nodes/editor/connectivity-statuses';
import { endpointChoices } from '../../nodes/editor/endpoint-choices';
import { escapeHtml } from '../../nodes/editor/escape';
import { accountScope, eventInScope, LABEL_MAX_CHARS, shorten } from '../../nodes/editor/node-labels';

describe('editor dialog model: connectivity statuses', () => {
  it('offers a checkbox for every status the runtime knows', () => {
    assert.deepEqual(CHECKBOX_STATUSES, [...KNOWN_CONNECTIVITY_STATUSES]);
  });

  it('splits a stored list into checked statuses and other text, and joins it back', () => {
    const choice = statusChoiceOf(['Online', 'sleeping', 42, 'pollingOnline', 'napping']);
    assert.deepEqual(choice, { checked: ['Online', 'pollingOnline'], others: 'sleeping, napping' });
    assert.deepEqual(statusesToSave(choice.checked, choice.others), ['Online', 'pollingOnline', 'sleeping', 'napping']);
    assert.deepEqual(statusChoiceOf(undefined), { checked: [], others: '' });
  });

  it('drops blanks and repeats, so none at all means every status', () => {
    assert.deepEqual(statusesToSave([], ' , ,'), []);
    assert.deepEqual(statusesToSave(['Online'], 'Online, x ,x'), ['Online', 'x']);
  });
});

describe('editor dialog model: endpoint choices', () => {
  it('offers only the deployments and client types the runtime table has', () => {
    const eu = endpointChoices('eu', 'dev', 'cloud');
    assert.deepEqual(eu.deployments, deploymentsFor('eu'));
    assert.deepEqual(eu.deployments, ['field']);
    assert.deepEqual(eu.clientTypes, ['cloud', 'mobile']);
    assert.deepEqual(eu.resolved, ENDPOINT_TABLE.eu?.field?.cloud, 'a missing deployment moves to the region\'s first one');
  });

  it('resolves a combination, with null URLs where Ayla publishes none', () => {
    const staging = endpointChoices('us', 'staging', 'mobile');
    assert.deepEqual(staging.resolved, ENDPOINT_TABLE.us?.staging?.mobile);
    assert.equal(staging.resolved?.apiUrl, null);
  });

  it('leaves every option open for the custom region and unknown values', () => {
    for (const region of ['custom', 'mars', '__proto__', 'toString']) {
      assert.deepEqual(endpointChoices(region, 'field', 'cloud'), { deployments: null, clientTypes: null, resolved: null }, region);
    }
    assert.equal(endpointChoices('us', 'field', 'constructor').resolved, null);
  });
});

describe('editor dialog model: labels', () => {
  it('shows the model, else the DSNs, plus the properties of types that have them', () => {
    assert.deepEqual(eventInScope({ oemModel: 'thermo', dsns: '*', properties: 'temp' }, true), { kind: 'spec', text: 'thermo/temp' });
    assert.deepEqual(eventInScope({ oemModel: '*', dsns: 'AC1,AC2', properties: 'temp' }, false), { kind: 'spec', text: 'AC1,AC2' });
    assert.deepEqual(eventInScope({ source: 'key', oemModel: 'thermo' }, true), { kind: 'key' });
    assert.deepEqual(eventInScope({}, true), { kind: 'spec', text: '*' }, 'old flows without the fields');
  });

  it('cuts long labels with an ellipsis, counting characters not UTF-16 units', () => {
    assert.equal(shorten('short'), 'short');
    const long = '\u{1F321}'.repeat(LABEL_MAX_CHARS + 5);
    assert.equal(Array.from(shorten(long)).length, LABEL_MAX_CHARS);
    assert.ok(shorten(long).endsWith('\u2026'));
  });

  it('names an unnamed account by table entry or custom host, with runtime defaults', () => {
    assert.deepEqual(accountScope({}), { kind: 'table', region: 'us', deployment: 'field', clientType: 'cloud' });
    assert.deepEqual(accountScope({ region: 'eu', clientType: 'mobile' }), { kind: 'table', region: 'eu', deployment: 'field', clientType: 'mobile' });
    assert.deepEqual(accountScope({ region: 'custom', streamUrl: 'ws://127.0.0.1:9000/stream' }), { kind: 'custom', host: '127.0.0.1:9000' });
    assert.deepEqual(accountScope({ region: 'custom', streamUrl: 'not a url' }), { kind: 'custom', host: null });
  });
});

describe('editor: HTML escaping', () => {
  it('escapes the five HTML-significant characters and nothing else', () => {
    assert.equal(escapeHtml('Signed in as d\u2026@<img src=x onerror="alert(1)">'), 'Signed in as d\u2026@&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    assert.equal(escapeHtml(`a & b's`), 'a &amp; b&#39;s');
    assert.equal(escapeHtml('&amp;'), '&amp;amp;', 'text is escaped as it is, never "un-escaped" first');
    assert.equal(escapeHtml('plain \u00e9 text'), 'plain \u00e9 text');
  });
});
