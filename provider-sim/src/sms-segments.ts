/**
 * The stand-in's own count of what a phone receives (independent of the server's helper, so a test
 * comparing both checks one against the other): GSM 03.38 default alphabet, 160 characters in one
 * SMS or 153 a part; the extension table's characters count twice; anything else forces UCS-2
 * (70 / 67 a part).
 */
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const EXTENDED = '^{}\\[~]|€\f';

export function smsParts(text: string): { gsm7: boolean; units: number; parts: number } {
  let units = 0;
  let gsm7 = true;
  for (const ch of text) {
    if (BASIC.includes(ch)) units += 1;
    else if (EXTENDED.includes(ch)) units += 2;
    else gsm7 = false;
  }
  if (!gsm7) {
    const n = [...text].length;
    return { gsm7, units: n, parts: n <= 70 ? 1 : Math.ceil(n / 67) };
  }
  return { gsm7, units, parts: units <= 160 ? 1 : Math.ceil(units / 153) };
}
