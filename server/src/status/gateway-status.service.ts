/**
 * `…/status` messages (retained, and the gateway's will `{"online":false}`): stored on the gateway
 * and its terminals, and pushed to the school's live room as `gatewayStatus`.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  parsePayload,
  parseTopic,
  StatusMessageSchema,
  toRfc3339,
  type Clock,
  type LiveGatewayStatus,
} from '@rfid/protocol';
import { CLOCK } from '../config/config.js';
import { LOGGER, type Logger } from '../logger.js';
import { Database } from '../db/database.service.js';
import { DevicesService } from '../devices/devices.service.js';
import { MqttClientService } from '../mqtt/mqtt-client.service.js';
import { LiveService } from '../live/live.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { deadLetterOf } from '../ingest/tap-message.js';
import { TapsRepository } from '../ingest/taps.repository.js';
import { GatewayCommandsService } from '../commands/gateway-commands.service.js';

@Injectable()
export class GatewayStatusService implements OnModuleInit {
  private readonly log: Logger;

  constructor(
    @Inject(LOGGER) logger: Logger,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly db: Database,
    private readonly devices: DevicesService,
    private readonly mqtt: MqttClientService,
    private readonly live: LiveService,
    private readonly metrics: MetricsService,
    private readonly taps: TapsRepository,
    private readonly commands: GatewayCommandsService,
  ) {
    this.log = logger.child({ component: 'gateway-status' });
  }

  onModuleInit(): void {
    this.mqtt.handle('status', (topic, payload) => this.accept(topic, payload));
  }

  async accept(topic: string, payload: Buffer): Promise<void> {
    if (payload.length === 0) return; // a cleared retained message
    const address = parseTopic(topic);
    const dead = async (
      reason: string,
      code: 'bad_status' | 'unknown_gateway' | 'school_mismatch' = 'bad_status',
    ) => {
      this.metrics.deadLetters.inc({ code });
      this.log.warn({ topic, reason }, 'status message dead-lettered');
      await this.taps.insertDeadLetters(this.db.pool, [
        deadLetterOf(topic, address, code, reason, payload.toString('utf8')),
      ]);
    };
    if (!address) return dead('bad topic');
    const gw = await this.devices.lookup(address.gatewayId);
    if (!gw || gw.revoked) return dead(`gateway ${address.gatewayId} is not registered`, 'unknown_gateway');
    if (gw.schoolId !== address.schoolId)
      return dead(`gateway ${gw.gatewayId} belongs to school ${gw.schoolId}`, 'school_mismatch');
    const parsed = parsePayload(StatusMessageSchema, payload);
    if (!parsed.ok) return dead(parsed.error);
    const now = this.clock.now();
    const s = parsed.value;
    const live: LiveGatewayStatus = s.online
      ? {
          schoolId: gw.schoolId,
          gatewayId: gw.gatewayId,
          online: true,
          queue: s.queue,
          terminals: s.terminals,
          at: s.at,
        }
      : {
          schoolId: gw.schoolId,
          gatewayId: gw.gatewayId,
          online: false,
          queue: null,
          terminals: [],
          at: toRfc3339(now, 'Asia/Ho_Chi_Minh'),
        };
    const wasOnline = await this.db.transaction(async (c) => {
      const [prev] = (
        await c.query<{ online: boolean }>('SELECT online FROM gateways WHERE id = $1 FOR UPDATE', [
          gw.gatewayId,
        ])
      ).rows;
      if (s.online) {
        await c.query(
          `UPDATE gateways SET online = true, version = $2, queue = $3, terminals = $4::jsonb, last_seen_at = $5 WHERE id = $1`,
          [gw.gatewayId, s.version, s.queue, JSON.stringify(s.terminals), now.toISOString()],
        );
        if (s.terminals.length) {
          await c.query(
            `INSERT INTO terminals (gateway_id, id, school_id, online, last_seen_at)
             SELECT $1, t.id, $2, t.online, t.last_seen FROM unnest($3::text[], $4::boolean[], $5::timestamptz[]) AS t(id, online, last_seen)
             ON CONFLICT (gateway_id, id) DO UPDATE SET online = EXCLUDED.online, last_seen_at = EXCLUDED.last_seen_at`,
            [
              gw.gatewayId,
              gw.schoolId,
              s.terminals.map((t) => t.id),
              s.terminals.map((t) => t.online),
              s.terminals.map((t) => t.lastSeen),
            ],
          );
        }
      } else {
        await c.query(`UPDATE gateways SET online = false, last_seen_at = $2 WHERE id = $1`, [
          gw.gatewayId,
          now.toISOString(),
        ]);
        await c.query(`UPDATE terminals SET online = false WHERE gateway_id = $1`, [gw.gatewayId]);
      }
      return prev?.online ?? false;
    });
    this.live.emitGatewayStatus(live);
    if (s.online) {
      // Not awaited: this runs inside the MQTT message handler, and the PUBACK of the command
      // arrives on the connection whose next message waits for this handler.
      void this.commands
        .onGatewayStatus(gw.schoolId, gw.gatewayId, !wasOnline, s.clockOffsetMs)
        .catch((e: unknown) => this.log.warn({ err: e, gatewayId: gw.gatewayId }, 'time command failed'));
    } else {
      this.commands.forget(gw.gatewayId);
    }
  }
}
