/**
 * Keeps the last roster on disk so a gateway restarted while the link is down still greets students
 * by name. Written to a temporary file, fsynced and renamed, so a power cut leaves the old or the
 * new roster, never half of one. This file is the only one that touches `roster.json`.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { RosterMessageSchema, type RosterMessage } from '@rfid/protocol';

export class RosterStore {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'roster.json');
  }

  /** The saved roster, or undefined if none (or unreadable: the next retained roster replaces it). */
  load(): RosterMessage | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const r = RosterMessageSchema.safeParse(JSON.parse(text));
      return r.success ? r.data : undefined;
    } catch {
      return undefined;
    }
  }

  save(roster: RosterMessage): void {
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(roster));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }
}
