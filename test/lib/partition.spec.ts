/**
 * Shares of a fleet (`i/n`): parsing, stability of the DSN hash, balance, and the filter.
 */
import { strict as assert } from 'node:assert';
import { MAX_PARTITIONS, parsePartition, partitionFilter, partitionOf, partitionProblem } from '../../nodes/lib/partition';

describe('partition', () => {
  it('reads i/n, and nothing else', () => {
    assert.deepEqual(parsePartition('2/5'), { index: 2, count: 5 });
    assert.deepEqual(parsePartition(' 1 / 1 '), { index: 1, count: 1 });
    assert.equal(parsePartition(''), 'none');
    assert.equal(parsePartition(undefined), 'none');
    for (const bad of ['0/3', '4/3', '1/0', `1/${MAX_PARTITIONS + 1}`, '1', 'a/b', '1/2/3', '-1/2', 7]) {
      assert.equal(parsePartition(bad), null, String(bad));
      assert.equal(partitionProblem(bad), 'format', String(bad));
    }
    assert.equal(partitionProblem('3/4'), null);
  });

  it('hashes a DSN to the same share on every run and every machine (FNV-1a)', () => {
    // Fixed values: a change of hash would silently move devices between instances.
    assert.deepEqual(
      ['AC000W005606115', 'AC000W005606116', 'AC000W000340649', ''].map((dsn) => partitionOf(dsn, 7)),
      [6, 1, 1, 3],
    );
    assert.equal(partitionOf('', 1000), (0x811c9dc5 % 1000) + 1);
    assert.equal(partitionOf('a', 1 << 30), ((Math.imul(0x811c9dc5 ^ 97, 0x01000193) >>> 0) % (1 << 30)) + 1);
  });

  it('spreads a fleet evenly enough (within 5 % of an even split over 30,000 DSNs)', () => {
    for (const count of [2, 3, 7, 10]) {
      const sizes = new Array<number>(count).fill(0);
      for (let i = 0; i < 30_000; i++) sizes[partitionOf(`AC000W${String(i * 7919).padStart(9, '0')}`, count) - 1]++;
      const even = 30_000 / count;
      for (const size of sizes) assert.ok(Math.abs(size - even) < even * 0.05, `${count} shares: ${sizes.join(', ')}`);
    }
  });

  it('the shares of a fleet are disjoint and complete', () => {
    const dsns = Array.from({ length: 500 }, (_, i) => `DSN${i}`);
    const filters = [1, 2, 3].map((index) => partitionFilter({ index, count: 3 }));
    for (const dsn of dsns) assert.equal(filters.filter((accepts) => accepts(dsn)).length, 1, dsn);
    assert.ok(partitionFilter('none')('anything'));
  });
});
