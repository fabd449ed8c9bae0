/**
 * Vietnamese mobile numbers as each provider wants them. Guardians' phones are stored national
 * (`0912345678`, see people.schemas `normalisePhone`), but imports and old records also hold
 * `+84…`, `84…`, dotted forms and the 11-digit numbers retired in 2018 (`0162…` → `032…`).
 */

/** The 2018 renumbering of 11-digit mobile prefixes (MIC decision 798/QĐ-BTTTT). */
const OLD_PREFIXES: Record<string, string> = {
  // Viettel
  '0162': '032',
  '0163': '033',
  '0164': '034',
  '0165': '035',
  '0166': '036',
  '0167': '037',
  '0168': '038',
  '0169': '039',
  // MobiFone
  '0120': '070',
  '0121': '079',
  '0122': '077',
  '0126': '076',
  '0128': '078',
  // VinaPhone
  '0123': '083',
  '0124': '084',
  '0125': '085',
  '0127': '081',
  '0129': '082',
  // Vietnamobile, Gmobile
  '0186': '056',
  '0188': '058',
  '0199': '059',
};

/** Mobile prefixes in use (Viettel 03x/086/096-098, MobiFone 07x/089/090/093, VinaPhone 08x/091/094, …). */
const MOBILE = /^0(?:3[2-9]|5[25689]|7[06-9]|8[1-9]|9\d)\d{7}$/;

export interface VnMobile {
  /** `0912345678` (eSMS, display). */
  national: string;
  /** `84912345678` (ZNS). */
  international: string;
}

/** A Vietnamese mobile number in both forms, or null when the input is not one (a landline, garbage). */
export function vnMobile(raw: string | null | undefined): VnMobile | null {
  if (!raw) return null;
  let d = raw.normalize('NFKC').replace(/[\s.\-()/]/g, '');
  if (d.startsWith('+84')) d = `0${d.slice(3)}`;
  else if (d.startsWith('0084')) d = `0${d.slice(4)}`;
  else if (d.startsWith('84') && (d.length === 11 || d.length === 12)) d = `0${d.slice(2)}`;
  else if (/^[1-9]\d{8,9}$/.test(d)) d = `0${d}`; // a spreadsheet dropped the leading zero
  if (!/^0\d+$/.test(d)) return null;
  if (d.length === 11) {
    const mapped = OLD_PREFIXES[d.slice(0, 4)];
    if (!mapped) return null;
    d = mapped + d.slice(4);
  }
  if (!MOBILE.test(d)) return null;
  return { national: d, international: `84${d.slice(1)}` };
}
