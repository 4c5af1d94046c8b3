import { describe, expect, it } from 'vitest';
import { FileStore } from '../../../src/cluster/storage/file-store.js';
import { TransactionalStore } from '../../../src/cluster/storage/transactional-store.js';

const entry = (offset: number) => ({ key: 'k', value: offset, origin: { partition: 0, offset } });

describe('FileStore, a FileSink file system', () => {
  it('takes a part file from in progress to pending to committed, visible only once committed, and commits idempotently', () => {
    const view = new TransactionalStore(() => 0, 1_000_000, true);
    const files = new FileStore(view);
    files.create('sink#0/part-0');
    expect(files.write('sink#0/part-0', [entry(0), entry(1)])).toBe(true);
    expect(files.commit('sink#0/part-0')).toBe('unknown');
    expect(files.closeForCommit('sink#0/part-0')).toBe(true);
    expect(files.write('sink#0/part-0', [entry(2)])).toBe(false);
    expect(view.committedEntries()).toEqual([]);
    expect(files.leftBehind()).toEqual(['sink#0/part-0']);
    expect(files.commit('sink#0/part-0')).toBe('committed');
    expect(view.committedEntries().map((committed) => committed.value)).toEqual([0, 1]);
    expect(files.commit('sink#0/part-0')).toBe('already-committed');
    expect(view.committedEntries()).toHaveLength(2);
    expect(files.leftBehind()).toEqual([]);
  });

  it('resumes a file at its persisted length, truncating what was written after, even once closed for commit', () => {
    const files = new FileStore(new TransactionalStore(() => 0, 1_000_000, true));
    files.create('p');
    files.write('p', [entry(0), entry(1), entry(2)]);
    files.closeForCommit('p');
    expect(files.resume('p', 2)).toBe(true);
    expect(files.stateOf('p')).toBe('in-progress');
    expect(files.length('p')).toBe(2);
    expect(files.resume('p', 5)).toBe(false);
    files.closeForCommit('p');
    files.commit('p');
    expect(files.resume('p', 0)).toBe(false);
  });
});
