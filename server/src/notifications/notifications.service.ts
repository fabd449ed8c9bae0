/**
 * The notifications module's service: starts this replica's worker, and answers the API (lists,
 * resend, consent, preferences, webhooks) and the providers' delivery reports.
 */
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Clock, Notification } from '@rfid/protocol';
import { CLOCK, SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { LOGGER, type Logger } from '../logger.js';
import { Database } from '../db/database.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AuditService } from '../audit/audit.service.js';
import { ScopeService } from '../auth/scope.service.js';
import type { Caller } from '../auth/caller.js';
import { STAFF_ROLES } from '../auth/caller.js';
import { DomainError } from '../common/domain-error.js';
import { LiveService } from '../live/live.service.js';
import { CallbackRejected, type ChannelName, type ProviderCallback } from './channels/channel.js';
import { WebhookChannel, WebhookTargets } from './channels/webhook.channel.js';
import { InAppChannel } from './channels/in-app.channel.js';
import { ChannelRegistry } from './channel-registry.js';
import { providerChannels } from './channels/provider-channels.js';
import { consentInForce, consentRecords, type ConsentMethod } from './consent.js';
import { NotificationsRepository } from './notifications.repository.js';
import { NotificationWorker } from './notification-worker.js';
import { preferenceList } from './preferences.js';

interface OutboxRow {
  id: string;
  student_id: string;
  guardian_id: string | null;
  event: string;
  channel: ChannelName | null;
  channels_tried: ChannelName[];
  status: Notification['status'];
  text: string | null;
  day: string | null;
  event_at: Date;
  created_at: Date;
  sent_at: Date | null;
  delivered_at: Date | null;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date | null;
  resend_of: string | null;
}

const LIST_COLUMNS = `id, student_id, guardian_id, event, channel, channels_tried, status, text, day::text AS day, event_at, created_at, sent_at,
  delivered_at, attempts, last_error, next_attempt_at, resend_of`;

function toApi(r: OutboxRow): Notification {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: r.id,
    studentId: r.student_id,
    guardianId: r.guardian_id,
    event: r.event,
    channel: r.channel,
    channelsTried: r.channels_tried,
    status: r.status,
    text: r.text,
    day: r.day,
    eventAt: r.event_at.toISOString(),
    createdAt: r.created_at.toISOString(),
    sentAt: iso(r.sent_at),
    deliveredAt: iso(r.delivered_at),
    attempts: r.attempts,
    lastError: r.last_error,
    nextAttemptAt: iso(r.next_attempt_at),
    resendOf: r.resend_of,
  };
}

/** Opaque page cursor: the last row's (created_at, id), newest first. */
function encodeCursor(r: OutboxRow): string {
  return Buffer.from(`${r.created_at.toISOString()}|${r.id}`).toString('base64url');
}
function decodeCursor(c: string | undefined): { at: string; id: string } | null {
  if (!c) return null;
  const [at, id] = Buffer.from(c, 'base64url').toString().split('|');
  if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/i.test(id))
    throw new DomainError('bad_request', 'cursor: not a cursor of this list');
  return { at, id };
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

@Injectable()
export class NotificationsService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly channels: ChannelRegistry;
  readonly webhookTargets: WebhookTargets;
  readonly worker: NotificationWorker;
  private readonly log: Logger;

  constructor(
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
    private readonly db: Database,
    private readonly repo: NotificationsRepository,
    private readonly metrics: MetricsService,
    private readonly audit: AuditService,
    private readonly scope: ScopeService,
    live: LiveService,
  ) {
    this.log = logger.child({ component: 'notifications' });
    this.channels = new ChannelRegistry(config.notifyLimits);
    this.webhookTargets = new WebhookTargets(db.pool);
    this.channels.register(new WebhookChannel(this.webhookTargets));
    this.channels.register(new InAppChannel(live, () => clock.now()));
    // The provider channels whose §6 variables are set (zalo, sms, email, push).
    for (const ch of providerChannels(config, {
      pool: db.pool,
      serverId: config.serverId,
      now: () => clock.now().getTime(),
      onZaloLoginLost: (reason) => {
        metrics.zaloLoginLost.inc();
        this.log.error(
          { reason },
          'Zalo login lost: the OA must be authorised again (set a new ZALO_REFRESH_TOKEN and restart); until then each guardian gets their next channel',
        );
      },
    }))
      this.channels.register(ch);
    this.worker = new NotificationWorker(
      `${config.serverId}`,
      db,
      repo,
      this.channels,
      config,
      clock,
      metrics,
      logger,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    this.log.info(
      { channels: this.channels.names(), worker: this.config.notifyWorker },
      'notification channels',
    );
    if (this.config.notifyWorker) await this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
    // After the worker: no round is sending any more when the channels close their connections.
    await this.channels.close();
  }

  async forStudent(studentId: string, limit: number, cursor?: string): Promise<Page<Notification>> {
    return this.page(`student_id = $1`, [studentId], limit, cursor);
  }

  async forSchoolDay(
    caller: Caller,
    schoolId: string,
    date: string,
    limit: number,
    cursor?: string,
    visible?: Set<string>,
  ): Promise<Page<Notification>> {
    if (visible)
      return this.page(
        `school_id = $1 AND day = $2 AND student_id = ANY($3::uuid[])`,
        [schoolId, date, [...visible]],
        limit,
        cursor,
      );
    // Staff alerts' messages (no student) are not parents' notifications.
    return this.page(
      `school_id = $1 AND day = $2 AND student_id IS NOT NULL`,
      [schoolId, date],
      limit,
      cursor,
    );
  }

  private async page(
    where: string,
    params: unknown[],
    limit: number,
    cursor?: string,
  ): Promise<Page<Notification>> {
    const c = decodeCursor(cursor);
    const p = [...params];
    let cond = where;
    if (c) {
      p.push(c.at, c.id);
      cond += ` AND (created_at, id) < ($${p.length - 1}::timestamptz, $${p.length}::uuid)`;
    }
    p.push(limit + 1);
    const rows = await this.db.query<OutboxRow>(
      `SELECT ${LIST_COLUMNS} FROM notification_outbox WHERE ${cond} ORDER BY created_at DESC, id DESC LIMIT $${p.length}`,
      p,
    );
    const more = rows.length > limit;
    const items = rows.slice(0, limit);
    return { items: items.map(toApi), next: more ? encodeCursor(items[items.length - 1]!) : null };
  }

  /** A school user sends a message again (a new row, due now); audited. */
  async resend(caller: Caller, id: string): Promise<{ id: string; resendOf: string }> {
    if (!STAFF_ROLES.includes(caller.role))
      throw new DomainError('forbidden', `a ${caller.role} user may not resend messages`);
    const [row] = await this.db.query<{
      student_id: string | null;
      school_id: string;
      status: string;
      guardian_id: string | null;
    }>('SELECT student_id, school_id, status, guardian_id FROM notification_outbox WHERE id = $1', [id]);
    if (!row || row.student_id === null) throw new DomainError('not_found', `notification ${id} not found`);
    await this.scope.require(caller, 'student', row.student_id);
    if (row.status === 'pending')
      throw new DomainError('conflict', 'the message is still pending: it will be sent');
    const newId = await this.db.transaction(async (c) => {
      const nid = await this.repo.insertResend(c, id, caller.userId);
      await this.audit.record(
        caller,
        {
          action: 'notification.resend',
          entity: 'notification',
          entityId: nid ?? id,
          schoolId: row.school_id,
          details: { resendOf: id, guardianId: row.guardian_id },
        },
        c,
      );
      return nid;
    });
    if (!newId) throw new DomainError('not_found', `notification ${id} not found`);
    return { id: newId, resendOf: id };
  }

  /** The guardian, if the caller may see them: staff over one of their students, or the parent linked to them. */
  async requireGuardian(
    caller: Caller,
    guardianId: string,
    opts: { write: boolean },
  ): Promise<{
    id: string;
    phone: string | null;
    channels: string[];
    opted_out_events: string[];
    user_id: string | null;
    school_id: string | null;
  }> {
    const [g] = await this.db.query<{
      id: string;
      phone: string | null;
      channels: string[];
      opted_out_events: string[];
      user_id: string | null;
      students: string[];
      school_id: string | null;
    }>(
      `SELECT g.id, g.phone, g.channels, g.opted_out_events, g.user_id,
              COALESCE(array_agg(sg.student_id) FILTER (WHERE sg.student_id IS NOT NULL), '{}') AS students,
              (array_agg(s.school_id))[1] AS school_id
         FROM guardians g LEFT JOIN student_guardians sg ON sg.guardian_id = g.id LEFT JOIN students s ON s.id = sg.student_id
        WHERE g.id = $1 GROUP BY g.id`,
      [guardianId],
    );
    if (!g) throw new DomainError('not_found', `guardian ${guardianId} not found`);
    if (caller.role === 'parent') {
      if (g.user_id === caller.userId) return g;
      throw new DomainError('not_found', `guardian ${guardianId} not found`);
    }
    for (const s of g.students) {
      const a = await this.scope.access(caller, 'student', s);
      if (a === 'full' || (a === 'partial' && !opts.write)) {
        if (opts.write && !STAFF_ROLES.includes(caller.role)) break;
        return g;
      }
    }
    if (opts.write && caller.role === 'teacher')
      throw new DomainError('forbidden', 'a teacher user may not change a guardian’s consent');
    throw new DomainError('not_found', `guardian ${guardianId} not found`);
  }

  /** The guardian records the signed-in parent is (`guardians.user_id`), with their children. */
  async myGuardians(caller: Caller): Promise<{ guardianId: string; name: string; studentIds: string[] }[]> {
    if (caller.role !== 'parent') return [];
    return this.db.query<{ guardianId: string; name: string; studentIds: string[] }>(
      `SELECT g.id AS "guardianId", g.name,
              COALESCE(array_agg(sg.student_id ORDER BY sg.student_id) FILTER (WHERE sg.student_id IS NOT NULL), '{}') AS "studentIds"
         FROM guardians g LEFT JOIN student_guardians sg ON sg.guardian_id = g.id
        WHERE g.user_id = $1 GROUP BY g.id ORDER BY g.name`,
      [caller.userId],
    );
  }

  async consents(caller: Caller, guardianId: string) {
    await this.requireGuardian(caller, guardianId, { write: false });
    const records = await consentRecords(this.db.pool, [guardianId]);
    return {
      guardianId,
      inForce: [...consentInForce(records, this.clock.now())],
      records: records.map((r) => ({
        channel: r.channel,
        granted: r.granted,
        at: r.at.toISOString(),
        recordedBy: r.recordedBy,
        method: r.method,
        note: r.note,
      })),
    };
  }

  async changeConsent(
    caller: Caller,
    guardianId: string,
    change: { channels: ChannelName[]; granted: boolean; method: ConsentMethod; note?: string },
  ) {
    const g = await this.requireGuardian(caller, guardianId, { write: true });
    const method: ConsentMethod = caller.role === 'parent' ? 'parent_app' : change.method;
    const at = this.clock.now();
    await this.db.transaction(async (c) => {
      await this.repo.addConsents(
        c,
        change.channels.map((channel) => ({
          guardianId,
          channel,
          granted: change.granted,
          at,
          recordedBy: caller.userId,
          method,
          note: change.note ?? null,
        })),
      );
      await this.audit.record(
        caller,
        {
          action: change.granted ? 'consent.grant' : 'consent.withdraw',
          entity: 'guardian',
          entityId: guardianId,
          schoolId: g.school_id,
          details: { channels: change.channels, method },
        },
        c,
      );
    });
    return this.consents(caller, guardianId);
  }

  /** Consent for every guardian of the school at once (forms collected by the school); audited. */
  async changeSchoolConsent(
    caller: Caller,
    schoolId: string,
    change: { channels: ChannelName[]; granted: boolean; method: ConsentMethod; note?: string },
  ): Promise<{ guardians: number }> {
    if (!STAFF_ROLES.includes(caller.role))
      throw new DomainError('forbidden', `a ${caller.role} user may not record consent for a school`);
    const at = this.clock.now();
    const guardians = await this.db.transaction(async (c) => {
      const n = await this.repo.addSchoolConsents(
        c,
        schoolId,
        change.channels,
        change.granted,
        at,
        caller.userId,
        change.method,
        change.note ?? null,
      );
      await this.audit.record(
        caller,
        {
          action: change.granted ? 'consent.grant' : 'consent.withdraw',
          entity: 'school',
          entityId: schoolId,
          schoolId,
          details: { channels: change.channels, method: change.method, guardians: n },
        },
        c,
      );
      return n;
    });
    return { guardians };
  }

  async preferences(caller: Caller, guardianId: string) {
    const g = await this.requireGuardian(caller, guardianId, { write: false });
    return this.prefsOf(g);
  }

  private prefsOf(g: { id: string; phone: string | null; channels: string[]; opted_out_events: string[] }) {
    return {
      guardianId: g.id,
      channels: g.channels as ChannelName[],
      optedOutEvents: g.opted_out_events as ('check_in' | 'check_out' | 'absent')[],
      effectiveChannels: preferenceList({ phone: g.phone, channels: g.channels }),
    };
  }

  async setPreferences(
    caller: Caller,
    guardianId: string,
    patch: { channels?: ChannelName[]; optedOutEvents?: string[] },
  ) {
    const g = await this.requireGuardian(caller, guardianId, { write: true });
    await this.db.transaction(async (c) => {
      await this.repo.setPreferences(c, guardianId, {
        ...(patch.channels ? { channels: [...new Set(patch.channels)] } : {}),
        ...(patch.optedOutEvents ? { optedOutEvents: [...new Set(patch.optedOutEvents)] } : {}),
      });
      await this.audit.record(
        caller,
        {
          action: 'guardian.notification_preferences',
          entity: 'guardian',
          entityId: guardianId,
          schoolId: g.school_id,
          details: patch,
        },
        c,
      );
    });
    return this.preferences(caller, guardianId);
  }

  async setWebhook(caller: Caller, schoolId: string, url: string, secret: string) {
    const at = this.clock.now();
    await this.db.transaction(async (c) => {
      await this.repo.upsertWebhook(c, schoolId, url, secret, at, caller.userId);
      await this.audit.record(
        caller,
        { action: 'webhook.register', entity: 'school', entityId: schoolId, schoolId, details: { url } },
        c,
      );
    });
    this.webhookTargets.forget(schoolId);
    return { schoolId, url, createdAt: at.toISOString() };
  }

  async deleteWebhook(caller: Caller, schoolId: string): Promise<void> {
    const gone = await this.db.transaction(async (c) => {
      const g = await this.repo.deleteWebhook(c, schoolId);
      if (g)
        await this.audit.record(
          caller,
          { action: 'webhook.delete', entity: 'school', entityId: schoolId, schoolId },
          c,
        );
      return g;
    });
    this.webhookTargets.forget(schoolId);
    if (!gone) throw new DomainError('not_found', 'no webhook registered');
  }

  async getWebhook(schoolId: string) {
    const [w] = await this.db.query<{ url: string; created_at: Date }>(
      'SELECT url, created_at FROM school_webhooks WHERE school_id = $1',
      [schoolId],
    );
    if (!w) throw new DomainError('not_found', 'no webhook registered');
    return { schoolId, url: w.url, createdAt: w.created_at.toISOString() };
  }

  /**
   * A provider's delivery-report callback: the channel verifies and reads it (forged or unknown
   * → 4xx); each report turns `sent` into `delivered` or `failed`.
   */
  async handleCallback(channelName: ChannelName, callback: ProviderCallback): Promise<{ updated: number }> {
    const channel = this.channels.get(channelName);
    if (!channel?.reports) {
      this.metrics.notifyReports.inc({ channel: channelName, result: 'rejected' });
      throw new DomainError('not_found', `${channelName} is not configured on this server`);
    }
    let reports;
    try {
      reports = channel.reports.parse(callback);
    } catch (e) {
      this.metrics.notifyReports.inc({ channel: channelName, result: 'rejected' });
      if (e instanceof CallbackRejected)
        throw new DomainError('unauthorized', `callback refused: ${e.message}`);
      throw new DomainError('bad_request', `callback not understood: ${(e as Error).message}`);
    }
    let updated = 0;
    for (const r of reports) {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(r.notificationId)) {
        this.metrics.notifyReports.inc({ channel: channelName, result: 'unknown' });
        continue;
      }
      const ids = await this.repo.recordReport(
        channelName,
        r.notificationId,
        r.status,
        this.clock.now(),
        r.error ?? null,
        r.providerMessageId ?? null,
      );
      this.metrics.notifyReports.inc({ channel: channelName, result: ids.length ? r.status : 'unknown' });
      updated += ids.length;
    }
    if (reports.length > 0 && updated === 0) {
      const known = await this.db.query('SELECT 1 FROM notification_outbox WHERE id = ANY($1::uuid[])', [
        reports.map((r) => r.notificationId).filter((id) => /^[0-9a-f-]{36}$/i.test(id)),
      ]);
      if (known.length === 0) throw new DomainError('not_found', 'no such notification');
    }
    return { updated };
  }
}
