/**
 * i18next with Vietnamese by default and English switchable; the choice is kept in localStorage.
 * Only Vietnamese is in the first load: the English messages are their own chunk, fetched when
 * English is chosen (or was chosen before: `i18nReady` waits for it before the first render).
 */
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { vi } from '../locales/vi';

export const LANGUAGES = [
  { code: 'vi', label: 'Tiếng Việt' },
  { code: 'en', label: 'English' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

const KEY = 'rfid.lang';
const saved = localStorage.getItem(KEY);
const initial: Language = saved === 'en' ? 'en' : 'vi';

/** Adds the language's messages to i18next, fetching the chunk the first time. */
async function loadMessages(lang: Language): Promise<void> {
  if (lang === 'vi' || i18n.hasResourceBundle(lang, 'translation')) return;
  const { en } = await import('../locales/en');
  i18n.addResourceBundle('en', 'translation', en);
}

void i18n.use(initReactI18next).init({
  resources: { vi: { translation: vi } },
  lng: 'vi',
  fallbackLng: 'vi',
  interpolation: { escapeValue: false },
  returnNull: false,
});

async function apply(lang: Language): Promise<void> {
  try {
    await loadMessages(lang);
  } catch {
    return; // the chunk did not load (offline): stay in Vietnamese rather than show keys
  }
  document.documentElement.lang = lang;
  await i18n.changeLanguage(lang);
}

document.documentElement.lang = 'vi';
/** Resolves once the saved language's messages are in place (at once for Vietnamese). */
export const i18nReady: Promise<void> = initial === 'vi' ? Promise.resolve() : apply(initial);

export function setLanguage(lang: Language): void {
  localStorage.setItem(KEY, lang);
  void apply(lang);
}

export default i18n;
