/** Typed errors of the simulator; `code` says what went wrong without parsing the message. */
export type SimErrorCode =
  'socat_missing' | 'link_failed' | 'link_closed' | 'wrong_tech' | 'bad_option' | 'bad_plan' | 'aborted';

export class SimError extends Error {
  override readonly name = 'SimError';
  constructor(
    readonly code: SimErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
