/**
 * Config of ADMS terminals (CONTRACT §1 `adms`): `{ id, format: "adms", sn, source: "adms://HOST:PORT" }`.
 * The source is the address the gateway listens on for them; terminals may share one. Kept apart
 * from the serial terminals' schema so neither has to know the other's fields.
 */
import { z } from 'zod';
import { ADMS_SN_PATTERN, CARD_TECHS, DirectionSchema } from '@rfid/protocol';

export interface AdmsListenAddress {
  host: string;
  port: number;
}

/** `adms://0.0.0.0:8081` → where to listen (port 0: a free one, for tests); throws with the reason. */
export function parseAdmsSource(text: string): AdmsListenAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`"${text}" is not an adms://HOST:PORT address`);
  }
  const port = Number(url.port);
  if (
    url.protocol !== 'adms:' ||
    !url.hostname ||
    !Number.isInteger(port) ||
    port < 0 ||
    port > 65535 ||
    url.port === ''
  ) {
    throw new Error(`"${text}": ADMS source must be adms://HOST:PORT (the address the gateway listens on)`);
  }
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
}

export const AdmsTerminalConfigSchema = z.object({
  id: z.string().min(1).max(64),
  format: z.literal('adms'),
  /** The terminal's serial number (Menu → System info → Device info; also on its label). */
  sn: z.string().regex(ADMS_SN_PATTERN, 'a ZKTeco serial number: letters and digits'),
  source: z.string().superRefine((s, ctx) => {
    try {
      parseAdmsSource(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  }),
  direction: DirectionSchema.optional(),
  /** Cards the terminal reads, for users enrolled at the device (default `em4100`, 125 kHz). */
  tech: z.enum(CARD_TECHS).optional(),
});
export type AdmsTerminalConfig = z.infer<typeof AdmsTerminalConfigSchema>;

/** Settings of the ADMS side of the gateway (all optional). */
export const AdmsSettingsSchema = z
  .object({
    /** `Delay` of the handshake: seconds between a terminal's `getrequest` polls. */
    pollSeconds: z.number().int().min(1).max(300).default(10),
    /** `ErrorDelay`: seconds a terminal waits after a failed request. */
    errorDelaySeconds: z.number().int().min(1).max(300).default(30),
    /** A command sent without a result is sent again after this. */
    commandRetrySeconds: z.number().positive().default(60),
    /** First PIN given to a card (below it, PINs the school made for staff at the device). */
    firstPin: z.number().int().min(1).max(999_999_000).default(10001),
    /** A terminal clock this far off the gateway's is corrected (smaller is push delay). */
    clockToleranceSeconds: z.number().nonnegative().default(10),
    /** Punches remembered this long so a terminal pushing them again is not counted twice. */
    rememberDays: z.number().positive().default(60),
  })
  .default({
    pollSeconds: 10,
    errorDelaySeconds: 30,
    commandRetrySeconds: 60,
    firstPin: 10001,
    clockToleranceSeconds: 10,
    rememberDays: 60,
  });
export type AdmsSettings = z.output<typeof AdmsSettingsSchema>;
