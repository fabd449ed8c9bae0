import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MemoryTapQueue } from '../src/memory-queue.js';
import { SqliteTapQueue } from '../src/sqlite-queue.js';
import { describeTapQueueContract, newTap } from './tap-queue.contract.js';

describeTapQueueContract('in-memory', { open: () => new MemoryTapQueue() });

let dir = '';
describeTapQueueContract('SQLite', {
  open: () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gw-queue-'));
    return new SqliteTapQueue(path.join(dir, 'queue.sqlite'));
  },
  reopen: (q) => {
    q.close();
    return new SqliteTapQueue(path.join(dir, 'queue.sqlite'));
  },
  cleanup: () => rmSync(dir, { recursive: true, force: true }),
});

describe('SqliteTapQueue durability settings', () => {
  it('runs in WAL mode with synchronous=FULL and commits before append returns', () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'gw-queue-'));
    const file = path.join(d, 'queue.sqlite');
    const q = new SqliteTapQueue(file);
    try {
      const t = q.append(newTap());
      // A second connection sees the row at once: the transaction is committed, not pending.
      const other = new Database(file, { readonly: true });
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(other.prepare('SELECT id FROM taps').all()).toEqual([{ id: t.id }]);
      other.close();
      expect(q.settings()).toEqual({ journalMode: 'wal', synchronous: 'FULL' });
    } finally {
      q.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});
