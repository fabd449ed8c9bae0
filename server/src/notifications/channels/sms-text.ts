/**
 * SMS text as a brandname SMS carries it (`IsUnicode: "0"`): GSM-7 only, so Vietnamese diacritics
 * are removed (`Nguyễn Văn Ấn` → `Nguyen Van An`, `đ` → `d`) while punctuation stays; and how many
 * SMS that is (160 GSM-7 characters in one, 153 a part when concatenated; extension characters such
 * as `[`, `€` count twice).
 */

const TYPOGRAPHIC: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u201E': '"',
  '\u2013': '-',
  '\u2014': '-',
  '\u2026': '...',
  '\u00A0': ' ',
  '\u2022': '-',
  '`': "'",
  '\t': ' ',
};

/** GSM 03.38 characters that are plain ASCII (the basic table's ASCII part). */
const GSM_ASCII = /^[\n\r !"#$%&'()*+,\-./0-9:;<=>?@A-Z_a-z]$/;
/** GSM 03.38 extension table (escape + char: two septets). */
const GSM_EXTENDED = new Set(['^', '{', '}', '\\', '[', ']', '~', '|', '€', '\f']);

/** Diacritics removed, typographic punctuation made ASCII, anything else GSM-7 cannot carry dropped. */
export function toSmsText(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D')) {
    const t = TYPOGRAPHIC[ch] ?? ch;
    for (const c of t) if (GSM_ASCII.test(c) || GSM_EXTENDED.has(c)) out += c;
  }
  return out.replace(/ {2,}/g, ' ').trim();
}

export interface SmsSegments {
  /** Septets (GSM-7) the text takes. */
  units: number;
  /** SMS the phone receives (and the school pays for). */
  parts: number;
}

/** Counts a GSM-7 text (as `toSmsText` makes it); throws on a character GSM-7 cannot carry. */
export function smsSegments(text: string): SmsSegments {
  let units = 0;
  for (const c of text) {
    if (GSM_EXTENDED.has(c)) units += 2;
    else if (GSM_ASCII.test(c)) units += 1;
    else
      throw new RangeError(
        `not a GSM-7 character: U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`,
      );
  }
  return { units, parts: units <= 160 ? 1 : Math.ceil(units / 153) };
}

/** The longest prefix of `text` (cut at a space when possible, marked `...`) that fits in `maxParts` SMS. */
export function fitSms(text: string, maxParts: number): string {
  if (smsSegments(text).parts <= maxParts) return text;
  const budget = maxParts === 1 ? 160 : 153 * maxParts;
  let units = 0;
  let cut = 0;
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    const w = GSM_EXTENDED.has(chars[i]!) ? 2 : 1;
    if (units + w > budget - 3) break;
    units += w;
    cut = i + 1;
  }
  let head = chars.slice(0, cut).join('');
  const space = head.lastIndexOf(' ');
  if (space > head.length * 0.6) head = head.slice(0, space);
  return `${head.trimEnd()}...`;
}
