/**
 * ZNS `template_data` within what ZNS accepts: every value a non-empty string (ZNS refuses an empty
 * parameter, error -112) no longer than its parameter type allows (ZNS: a name 30 characters, a
 * label or code 30, a time or date 20, a brand or product name 100, an address 200). Values keep
 * their diacritics (ZNS is Unicode), whitespace is collapsed, and an over-long value is cut at a
 * character boundary with an ellipsis rather than refused.
 */

/** Longest value per parameter we send; others get `DEFAULT_LIMIT`. */
export const ZNS_PARAM_LIMITS: Readonly<Record<string, number>> = {
  student_name: 30,
  guardian_name: 30,
  class_name: 30,
  school_name: 100,
  time: 20,
  date: 20,
  status: 30,
  reason: 100,
};
export const DEFAULT_LIMIT = 30;
/** What a missing value is sent as (ZNS refuses an empty one and the template needs the field). */
export const PLACEHOLDER = '-';

export function znsTemplateData(
  params: Record<string, string>,
  limits: Readonly<Record<string, number>> = ZNS_PARAM_LIMITS,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(params)) {
    const value = (raw ?? '').normalize('NFC').replace(/\s+/g, ' ').trim();
    const max = limits[name] ?? DEFAULT_LIMIT;
    const chars = [...value];
    out[name] =
      chars.length === 0
        ? PLACEHOLDER
        : chars.length <= max
          ? value
          : `${chars
              .slice(0, max - 1)
              .join('')
              .trimEnd()}…`;
  }
  return out;
}
