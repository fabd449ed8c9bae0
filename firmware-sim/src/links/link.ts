/**
 * The byte pipe between a simulated terminal and a gateway. One file owns each kind of I/O:
 * `tcp-link.ts` (a serial-device server that listens), `pty-link.ts` (a socat pty pair),
 * `serial-link.ts` (a given serial device).
 */
import type { EventEmitter } from 'node:events';

export type LinkOptions =
  | { type: 'tcp'; host?: string; port?: number }
  | { type: 'pty'; baudRate?: number }
  | { type: 'serial'; path: string; baudRate?: number; gatewayPath?: string };

export interface TerminalLink extends EventEmitter {
  readonly type: LinkOptions['type'];
  /** What the gateway's config says as `source` to reach this terminal. */
  readonly gatewaySource: string;
  /** Whether bytes written now can reach a gateway (TCP: one is connected; serial: always). */
  readonly connected: boolean;
  /**
   * Put bytes on the line. Resolves `true` once they are handed to the OS, `false` when they were
   * dropped because nobody is connected (TCP) or the link is closed. Never rejects.
   */
  write(bytes: Buffer): Promise<boolean>;
  /** Resolves `true` as soon as a gateway is connected, `false` after `timeoutMs`. */
  waitForGateway(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
  // Events: 'data' (Buffer from the gateway), 'connect' and 'disconnect' (TCP).
}
