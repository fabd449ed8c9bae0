/** An error said in words, in the user's language. */
import type { TFunction } from 'i18next';
import { ApiError } from './api';

export function errorText(t: TFunction, e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 404) return t('errors.notFound');
    if (e.status === 403) return t('errors.forbidden');
    if (e.status === 401) return t('errors.sessionEnded');
    if (e.status === 429) return t('errors.tooMany');
    return t('errors.generic', { message: e.message });
  }
  if (e instanceof TypeError) return t('errors.network');
  return t('errors.generic', { message: e instanceof Error ? e.message : String(e) });
}
