/**
 * The broker secret a `secret` command delivered (rotation), kept on disk so a restart logs in
 * with it. It applies only while the config file still holds the password it replaced: when the
 * operator writes a newer password into the config file, the file wins. Written to a temporary
 * file (mode 0600), fsynced and renamed. This file is the only one that touches `mqtt-secret.json`.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';

const StoredSecretSchema = z.object({
  password: z.string().min(1),
  /** SHA-256 of the config file's password this one replaced (the password itself is not kept twice). */
  replaces: z.string(),
  receivedAt: z.string(),
});

const fingerprint = (password: string | undefined) =>
  createHash('sha256')
    .update(password ?? '')
    .digest('hex');

export class SecretStore {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'mqtt-secret.json');
  }

  /** The password to log in with: a rotated one while the config still has the one it replaced. */
  effectivePassword(configPassword: string | undefined): string | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return configPassword;
    }
    try {
      const r = StoredSecretSchema.safeParse(JSON.parse(text));
      if (r.success && r.data.replaces === fingerprint(configPassword)) return r.data.password;
    } catch {
      // unreadable: the config file's password
    }
    return configPassword;
  }

  save(password: string, configPassword: string | undefined, receivedAt: string): void {
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify({ password, replaces: fingerprint(configPassword), receivedAt }));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }
}
