/**
 * Retained `…/roster` per gateway: what a gateway needs to greet students by name while its link
 * is down. Database triggers NOTIFY `roster_changed` (school id) on any change to a school's cards,
 * students, classes or gateways, whatever code made it; this service LISTENs, waits
 * `rosterDebounceMs` so an import of 1,000 rows publishes once, and republishes.
 */
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import pg from 'pg';
import { topicFor, type RosterMessage } from '@rfid/protocol';
import { SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { LOGGER, type Logger } from '../logger.js';
import { Database } from '../db/database.service.js';
import { MqttClientService } from '../mqtt/mqtt-client.service.js';
import { EmbeddedBrokerService } from '../mqtt/embedded-broker.service.js';
import { LiveService } from '../live/live.service.js';

@Injectable()
export class RosterService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log: Logger;
  private listener: pg.Client | null = null;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly db: Database,
    private readonly mqtt: MqttClientService,
    private readonly broker: EmbeddedBrokerService,
    private readonly live: LiveService,
  ) {
    this.log = logger.child({ component: 'roster' });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
    // The embedded broker keeps retained messages in memory only: after a restart every gateway
    // would wait for the next roster change. Republish all rosters (in the background).
    if (this.broker.enabled) {
      const p: Promise<void> = this.publishAll()
        .then(() => undefined)
        .catch((e: unknown) => this.log.error({ err: e }, 'republishing rosters failed'))
        .finally(() => this.running.delete(p));
      this.running.add(p);
    }
  }

  /** Publish the roster of every school that has gateways, a few schools at a time. */
  async publishAll(concurrency = 4): Promise<number> {
    const schools = (
      await this.db.query<{ school_id: string }>(
        'SELECT DISTINCT school_id FROM gateways WHERE revoked_at IS NULL',
      )
    ).map((r) => r.school_id);
    let next = 0;
    let gateways = 0;
    const worker = async () => {
      while (next < schools.length && !this.closed) gateways += await this.publishSchool(schools[next++]!);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    if (schools.length) this.log.info({ schools: schools.length, gateways }, 'rosters republished');
    return gateways;
  }

  private async listen(): Promise<void> {
    const opts = this.db.pool.options;
    const client = new pg.Client({
      ...opts,
      connectionString: (opts as { connectionString?: string }).connectionString,
    });
    client.on('notification', (n) => {
      if (n.channel === 'roster_changed' && n.payload) this.schedule(n.payload);
    });
    client.on('error', (err) => {
      this.log.warn({ err: err.message }, 'roster listener lost its connection; reconnecting');
      this.listener = null;
      if (!this.closed)
        setTimeout(
          () =>
            void this.listen().catch((e: unknown) =>
              this.log.error({ err: e }, 'roster listener reconnect failed'),
            ),
          1000,
        ).unref();
    });
    await client.connect();
    await client.query('LISTEN roster_changed');
    this.listener = client;
  }

  /** Publish after the debounce; several changes in the window make one publish. */
  schedule(schoolId: string): void {
    if (this.closed) return;
    const t = this.pending.get(schoolId);
    if (t) clearTimeout(t);
    this.pending.set(
      schoolId,
      setTimeout(() => {
        this.pending.delete(schoolId);
        const p: Promise<void> = Promise.all([this.publishSchool(schoolId), this.announce(schoolId)])
          .then(() => undefined)
          .catch((e: unknown) => this.log.error({ err: e, schoolId }, 'roster publish failed'))
          .finally(() => this.running.delete(p));
        this.running.add(p);
      }, this.config.rosterDebounceMs),
    );
  }

  /** Tell the dashboards watching the school or one of its classes that the roster changed (they re-read it). */
  private async announce(schoolId: string): Promise<void> {
    const classes = await this.db.query<{ id: string }>('SELECT id FROM classes WHERE school_id = $1', [
      schoolId,
    ]);
    this.live.emitRoster(
      schoolId,
      classes.map((c) => c.id),
    );
  }

  async buildRoster(schoolId: string): Promise<RosterMessage> {
    const [school] = await this.db.query<{ roster_version: number }>(
      'SELECT roster_version FROM schools WHERE id = $1',
      [schoolId],
    );
    const cards = await this.db.query<{ card: string; name: string; class: string }>(
      `SELECT c.text AS card, s.name, cl.name AS class
         FROM cards c JOIN students s ON s.id = c.student_id JOIN classes cl ON cl.id = s.class_id
        WHERE c.school_id = $1 AND c.status = 'active' AND s.active
        ORDER BY cl.name, s.name, c.text`,
      [schoolId],
    );
    return { version: school?.roster_version ?? 0, cards };
  }

  /** Publish the school's roster, retained, to each of its gateways. */
  async publishSchool(schoolId: string): Promise<number> {
    const gateways = await this.db.query<{ id: string }>(
      'SELECT id FROM gateways WHERE school_id = $1 AND revoked_at IS NULL',
      [schoolId],
    );
    if (gateways.length === 0) return 0;
    const roster = await this.buildRoster(schoolId);
    await Promise.all(
      gateways.map((g) => this.mqtt.publish(topicFor(schoolId, g.id, 'roster'), roster, { retain: true })),
    );
    this.log.info(
      { schoolId, version: roster.version, cards: roster.cards.length, gateways: gateways.length },
      'roster published',
    );
    return gateways.length;
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
    await Promise.all([...this.running]);
    const l = this.listener;
    this.listener = null;
    if (l) {
      l.removeAllListeners('error');
      l.on('error', () => undefined);
      await l.end().catch(() => undefined);
    }
  }
}
