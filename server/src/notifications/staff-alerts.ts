/**
 * Alerts to a school's staff (not parents): gateways and terminals offline in the school's morning
 * window, and a lost card used at the gate. An evaluation (each scheduler tick, one replica at a
 * time under an advisory lock; tests call `evaluate` with the injected clock) reads the outage
 * history the status messages keep (`device_outages`) and writes alerts and their outbox messages;
 * the notification worker sends them to the school's webhook. Rules (README, "Staff alerts"):
 * - an outage is news once it has lasted `alertGraceMin`, on a school day, inside the morning window
 *   (`alertLeadMin` before the on-time limit → the late limit), school-local; one that began earlier
 *   and is still open is announced when the window opens;
 * - a terminal behind a gateway that is down is never announced: the gateway's outage covers it;
 * - per school one alert lists every device that became news at once, and at most one such alert
 *   per `alertDigestMin`: outages meanwhile wait for the next (a digest), so a flapping link cannot
 *   make a storm;
 * - `alertDistrictSchools` schools of one district with a gateway down within
 *   `alertDistrictWindowMin` is a district-wide drop: each school's alert says so (one message per
 *   school's staff, naming the district and the number of schools), never one per gateway;
 * - an alert is resolved, with one "back online" message, when the last outage it announced ends;
 *   an outage still open on a later school day is announced again in that day's window (a
 *   reminder, "Nhắc lại"), and its earlier alert ends silently;
 * - a lost card's tap: one alert per card and school-local day.
 */
import { Inject, Injectable } from '@nestjs/common';
import { parseCardText, sameCard, zonedTime, type CardId, type Clock } from '@rfid/protocol';
import { CLOCK, SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { Database, type SqlClient } from '../db/database.service.js';
import {
  isSchoolDay,
  rulesFromRow,
  type SchoolRules,
  type SchoolRulesRow,
} from '../attendance/attendance-rules.js';
import { StaffAlertsRepository } from './staff-alerts.repository.js';
import type { AlertDevice } from './templates.js';

const MIN = 60_000;

/** `SCHOOL_RULES_COLUMNS` of `schools s` in a join. */
const SCHOOL_COLUMNS = `s.time_zone, s.school_days, to_json(s.holidays) AS holidays, s.on_time_until, s.late_until,
  s.absence_cutoff, s.checkout_from, s.checkout_until, s.starts_on::text AS starts_on, s.report_time`;

/** Whether `now` is inside the school's morning window on a school day (school-local). */
export function inMorningWindow(now: Date, rules: SchoolRules, leadMin: number): boolean {
  const z = zonedTime(now, rules.timeZone);
  if (!isSchoolDay(rules, z.date)) return false;
  return z.minuteOfDay >= rules.onTimeUntil - leadMin && z.minuteOfDay < rules.lateUntil;
}

export interface StaffAlertsRun {
  /** New "offline" alerts (one message each). */
  opened: number;
  /** Alerts resolved ("back online" messages). */
  resolved: number;
  lostCards: number;
}

interface OutageRow extends SchoolRulesRow {
  id: string;
  school_id: string;
  school_name: string;
  district_id: string;
  district_name: string;
  gateway_id: string;
  gateway_name: string;
  terminal: string;
  started_at: Date;
  /** An earlier day's alert that announced it (a reminder now), or null. */
  alert_id: string | null;
}

@Injectable()
export class StaffAlertsService {
  constructor(
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly db: Database,
    private readonly repo: StaffAlertsRepository,
  ) {}

  /** One evaluation at `now`: recoveries, then new outages, then lost cards; in one transaction. */
  evaluate(now: Date = this.clock.now()): Promise<StaffAlertsRun> {
    return this.db.transaction(async (c) => {
      await this.repo.lock(c);
      const run: StaffAlertsRun = { opened: 0, resolved: 0, lostCards: 0 };

      // 1. Alerts whose outages have all ended: one "back online" message each.
      const done = await c.query<{
        id: string;
        school_id: string;
        details: Record<string, unknown>;
        time_zone: string;
      }>(
        `SELECT a.id, a.school_id, a.details, s.time_zone FROM staff_alerts a JOIN schools s ON s.id = a.school_id
          WHERE a.kind = 'devices_offline' AND a.resolved_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM device_outages o JOIN gateways g ON g.id = o.gateway_id
                             WHERE o.alert_id = a.id AND o.ended_at IS NULL AND g.revoked_at IS NULL)`,
      );
      for (const a of done.rows) {
        await this.repo.resolve(c, a.id, now);
        await this.repo.addMessage(c, {
          alertId: a.id,
          schoolId: a.school_id,
          day: zonedTime(now, a.time_zone).date,
          event: 'devices_online',
          at: now,
          params: { devices: a.details.devices ?? [] },
        });
        run.resolved++;
      }

      // 2. Outages that became news: open, not announced, past the grace period, and not a
      //    terminal behind a gateway that is down (the gateway's own outage covers it).
      const graceEnd = new Date(now.getTime() - this.config.alertGraceMin * MIN);
      const candidates = (
        await c.query<OutageRow>(
          `SELECT o.id::text AS id, o.school_id, s.name AS school_name, s.district_id, d.name AS district_name,
                  o.gateway_id, g.name AS gateway_name, o.terminal, o.started_at, o.alert_id, ${SCHOOL_COLUMNS}
             FROM device_outages o
             JOIN gateways g ON g.id = o.gateway_id
             JOIN schools s ON s.id = o.school_id
             JOIN districts d ON d.id = s.district_id
            WHERE o.ended_at IS NULL AND o.started_at <= $1 AND g.revoked_at IS NULL
              AND (o.alert_id IS NULL OR EXISTS (
                    SELECT 1 FROM staff_alerts pa WHERE pa.id = o.alert_id AND pa.day < ($2::timestamptz AT TIME ZONE s.time_zone)::date))
              AND (o.terminal = '' OR NOT EXISTS (
                    SELECT 1 FROM device_outages go WHERE go.gateway_id = o.gateway_id AND go.terminal = '' AND go.ended_at IS NULL))
            ORDER BY o.school_id, g.name, o.gateway_id, o.terminal`,
          [graceEnd.toISOString(), now.toISOString()],
        )
      ).rows.filter((o) => inMorningWindow(now, rulesFromRow(o), this.config.alertLeadMin));
      if (candidates.length > 0) {
        const bySchool = new Map<string, OutageRow[]>();
        for (const o of candidates) bySchool.set(o.school_id, [...(bySchool.get(o.school_id) ?? []), o]);
        const schoolIds = [...bySchool.keys()];
        const [last, wide] = await Promise.all([
          c.query<{ school_id: string; at: Date }>(
            `SELECT school_id, max(opened_at) AS at FROM staff_alerts
              WHERE kind = 'devices_offline' AND school_id = ANY($1::uuid[]) GROUP BY school_id`,
            [schoolIds],
          ),
          c.query<{ district_id: string; schools: number }>(
            `SELECT s.district_id, count(DISTINCT o.school_id)::int AS schools
               FROM device_outages o JOIN schools s ON s.id = o.school_id
              WHERE o.terminal = '' AND o.ended_at IS NULL AND o.started_at >= $1
                AND s.district_id IN (SELECT district_id FROM schools WHERE id = ANY($2::uuid[]))
              GROUP BY s.district_id`,
            [new Date(now.getTime() - this.config.alertDistrictWindowMin * MIN).toISOString(), schoolIds],
          ),
        ]);
        const lastAt = new Map(last.rows.map((r) => [r.school_id, r.at.getTime()]));
        const districtSchools = new Map(wide.rows.map((r) => [r.district_id, r.schools]));
        for (const [schoolId, outages] of bySchool) {
          const prev = lastAt.get(schoolId);
          if (prev !== undefined && now.getTime() - prev < this.config.alertDigestMin * MIN) continue; // next digest
          const first = outages[0]!;
          const n = districtSchools.get(first.district_id) ?? 0;
          const districtWide = n >= this.config.alertDistrictSchools;
          const devices: AlertDevice[] = outages.map((o) => ({
            gatewayId: o.gateway_id,
            gatewayName: o.gateway_name,
            terminal: o.terminal,
            since: o.started_at.toISOString(),
          }));
          const details = {
            devices,
            ...(outages.every((o) => o.alert_id !== null) ? { reminder: true } : {}),
            districtWide,
            ...(districtWide ? { districtName: first.district_name, districtSchools: n } : {}),
          };
          const day = zonedTime(now, first.time_zone).date;
          const id = (await this.repo.createAlert(c, {
            schoolId,
            kind: 'devices_offline',
            day,
            subject: null,
            details,
            districtWide,
            at: now,
          }))!;
          await this.repo.attachOutages(
            c,
            id,
            outages.map((o) => o.id),
            now,
          );
          await this.repo.addMessage(c, {
            alertId: id,
            schoolId,
            day,
            event: 'devices_offline',
            at: now,
            params: details,
          });
          run.opened++;
        }
      }

      run.lostCards = await this.lostCards(c, now);
      return run;
    });
  }

  /** Taps of the last `LOST_CARD_LOOKBACK_MIN` by a card marked lost: one alert per card and day. */
  private async lostCards(c: SqlClient, now: Date): Promise<number> {
    const since = new Date(now.getTime() - StaffAlertsService.LOST_CARD_LOOKBACK_MIN * MIN);
    const taps = (
      await c.query<{
        id: string;
        school_id: string;
        school_name: string;
        card: string;
        at: Date;
        terminal: string;
        gateway_id: string;
        gateway_name: string;
        day: string;
      }>(
        `SELECT t.id, t.school_id, s.name AS school_name, t.card, t.at, t.terminal, t.gateway_id, g.name AS gateway_name, t.local_date::text AS day
           FROM schools s
           JOIN taps t ON t.school_id = s.id AND t.at >= $1 AND t.at <= $2 AND t.card_id IS NULL
           LEFT JOIN gateways g ON g.id = t.gateway_id
          WHERE EXISTS (SELECT 1 FROM cards lc WHERE lc.school_id = s.id AND lc.status = 'lost')
          ORDER BY t.at, t.id`,
        [since.toISOString(), now.toISOString()],
      )
    ).rows;
    if (taps.length === 0) return 0;
    const lost = (
      await c.query<{
        id: string;
        school_id: string;
        text: string;
        student_id: string | null;
        student_name: string | null;
      }>(
        `SELECT c.id, c.school_id, c.text, c.student_id, st.name AS student_name FROM cards c LEFT JOIN students st ON st.id = c.student_id
          WHERE c.school_id = ANY($1::uuid[]) AND c.status = 'lost'`,
        [[...new Set(taps.map((t) => t.school_id))]],
      )
    ).rows.map((l) => ({ ...l, card: safeCard(l.text) }));
    // Cards already announced on their tap's day: no insert to find out again each minute.
    const done = new Set(
      (
        await c.query<{ school_id: string; subject: string; day: string }>(
          `SELECT school_id, subject, day::text AS day FROM staff_alerts
            WHERE kind = 'lost_card' AND school_id = ANY($1::uuid[]) AND day = ANY($2::date[])`,
          [[...new Set(taps.map((t) => t.school_id))], [...new Set(taps.map((t) => t.day))]],
        )
      ).rows.map((a) => `${a.school_id}|${a.subject}|${a.day}`),
    );
    let n = 0;
    for (const t of taps) {
      const read = safeCard(t.card);
      if (!read) continue;
      const hit = lost.find((l) => l.school_id === t.school_id && l.card && sameCard(l.card, read));
      if (!hit || done.has(`${t.school_id}|${hit.id}|${t.day}`)) continue;
      done.add(`${t.school_id}|${hit.id}|${t.day}`);
      const details = {
        card: hit.text,
        cardId: hit.id,
        studentName: hit.student_name,
        terminal: t.terminal,
        gatewayId: t.gateway_id,
        gatewayName: t.gateway_name ?? t.gateway_id,
        tapId: t.id,
        tapAt: t.at.toISOString(),
      };
      const id = await this.repo.createAlert(c, {
        schoolId: t.school_id,
        kind: 'lost_card',
        day: t.day,
        subject: hit.id,
        studentId: hit.student_id,
        details,
        districtWide: false,
        at: now,
      });
      if (!id) continue; // this card's alert of the day exists
      await this.repo.addMessage(c, {
        alertId: id,
        schoolId: t.school_id,
        day: t.day,
        event: 'lost_card',
        at: t.at,
        params: details,
      });
      n++;
    }
    return n;
  }

  /** How far back each evaluation looks for lost-card taps (evaluations run every minute). */
  static readonly LOST_CARD_LOOKBACK_MIN = 30;
}

function safeCard(text: string): CardId | null {
  try {
    return parseCardText(text);
  } catch {
    return null;
  }
}
