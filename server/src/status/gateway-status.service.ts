/**
 * `…/status` messages (retained, and the gateway's will `{"online":false}`): stored on the gateway
 * and its terminals, and pushed to the school's live room as `gatewayStatus`.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  DEFAULT_TIME_ZONE,
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
import { GatewayStatusRepository } from './gateway-status.repository.js';

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
    private readonly statuses: GatewayStatusRepository,
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
          at: toRfc3339(now, DEFAULT_TIME_ZONE),
        };
    const wasOnline = await this.statuses.record(gw, s, now);
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
