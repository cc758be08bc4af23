/**
 * What an `ayla-datapoint-out` node writes (nodes/lib/write-value.ts): the target from the node
 * or the message, refusals of properties nobody can write, and the payload converted by base
 * type — every refusal a DeviceError with a code, before anything is sent.
 */
import { strict as assert } from 'node:assert';
import { DeviceError } from '../../nodes/lib/device-errors';
import type { PropertyInfo } from '../../nodes/lib/device-records';
import { checkWritable, writeTargetOf, writeValueOf } from '../../nodes/lib/write-value';

const target = { dsn: 'AC000W000000001', property: 'p' };

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof DeviceError, String(error));
    assert.equal(error.outcome, 'not-written');
    return error.code;
  }
  assert.fail('expected a DeviceError');
}

function property(overrides: Partial<PropertyInfo>): PropertyInfo {
  return { name: 'p', displayName: null, baseType: 'string', direction: 'input', value: null, dataUpdatedAt: null, readOnly: false, ackEnabled: true, ...overrides };
}

describe('write-value', () => {
  describe('writeTargetOf', () => {
    it('takes the node\'s fields first, then msg.dsn / msg.property, then msg.topic', () => {
      assert.deepEqual(writeTargetOf({ dsn: 'N', property: 'np' }, { topic: 'T/tp', dsn: 'M', property: 'mp' }), { dsn: 'N', property: 'np' });
      assert.deepEqual(writeTargetOf({ dsn: '', property: '' }, { topic: 'T/tp', dsn: 'M', property: 'mp' }), { dsn: 'M', property: 'mp' });
      assert.deepEqual(writeTargetOf({}, { topic: ' T / tp ' }), { dsn: 'T', property: 'tp' });
      assert.deepEqual(writeTargetOf({ dsn: 'N' }, { topic: 'T/tp' }), { dsn: 'N', property: 'tp' }, 'each of the two separately');
      assert.deepEqual(writeTargetOf({}, { topic: 'T/a/b' }), { dsn: 'T', property: 'a/b' }, 'split at the first slash');
    });

    it('refuses a missing or unusable target with NO_TARGET', () => {
      for (const msg of [{}, { topic: 'T' }, { topic: '/p' }, { topic: 'T/' }, { dsn: 'T', property: 'x'.repeat(201) }, { dsn: 'T\u0001X', property: 'p' }, { dsn: 7, property: 'p' }]) {
        assert.equal(codeOf(() => writeTargetOf({}, msg)), 'NO_TARGET', JSON.stringify(msg));
      }
    });
  });

  describe('checkWritable', () => {
    it('refuses outputs, read-only inputs and files', () => {
      assert.equal(codeOf(() => checkWritable(target, property({ direction: 'output' }))), 'PROPERTY_NOT_WRITABLE');
      assert.equal(codeOf(() => checkWritable(target, property({ readOnly: true }))), 'PROPERTY_READ_ONLY');
      assert.equal(codeOf(() => checkWritable(target, property({ baseType: 'file' }))), 'UNSUPPORTED_BASE_TYPE');
      assert.doesNotThrow(() => checkWritable(target, property({})));
      assert.doesNotThrow(() => checkWritable(target, property({ direction: null })), 'a property that does not say is tried');
    });
  });

  describe('writeValueOf', () => {
    const accepted: Array<[string | null, unknown, number | string]> = [
      ['boolean', true, 1],
      ['boolean', false, 0],
      ['boolean', 1, 1],
      ['boolean', '0', 0],
      ['boolean', ' TRUE ', 1],
      ['integer', 75, 75],
      ['integer', '-12', -12],
      ['integer', '3.0', 3],
      ['decimal', '21.5', 21.5],
      ['decimal', 7, 7],
      ['decimal', '1e3', 1000],
      ['string', 'text', 'text'],
      ['string', 42, '42'],
      ['string', false, 'false'],
      ['message', '{"a":1}', '{"a":1}'],
      [null, 'as is', 'as is'],
      [null, true, 1],
      ['something-new', 5, 5],
    ];
    for (const [baseType, payload, sent] of accepted) {
      it(`${baseType ?? 'no base type'}: ${JSON.stringify(payload)} -> ${JSON.stringify(sent)}`, () => {
        assert.deepEqual(writeValueOf(payload, target, baseType), sent);
      });
    }

    const refused: Array<[string | null, unknown]> = [
      ['integer', 'abc'],
      ['integer', 2.5],
      ['integer', '9007199254740993'],
      ['decimal', 'abc'],
      ['decimal', ''],
      ['boolean', 'yes'],
      ['boolean', 2],
      ['string', { a: 1 }],
      ['string', null],
      ['decimal', undefined],
      [null, [1, 2]],
    ];
    for (const [baseType, payload] of refused) {
      it(`${baseType ?? 'no base type'}: ${JSON.stringify(payload) ?? 'undefined'} is INVALID_VALUE`, () => {
        assert.equal(codeOf(() => writeValueOf(payload, target, baseType)), 'INVALID_VALUE');
      });
    }
  });
});
