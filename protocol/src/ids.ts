import { v7 as uuidv7, validate, version } from 'uuid';

/** Time-ordered UUIDv7: made once, when a tap is first stored, and never changed. */
export function newTapId(): string {
  return uuidv7();
}

export function isUuidV7(id: string): boolean {
  return validate(id) && version(id) === 7;
}
