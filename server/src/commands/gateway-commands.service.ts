/**
 * `…/cmd` (server → gateway, QoS 1): display a text, arm enrolment, or set the gateway's idea of
 * the time. The gateway is sent a `time` command when it comes online, and again (at most once a
 * minute) while its reported clock offset is over 2 s.
 */
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_TIME_ZONE,
  CommandMessageSchema,
  toRfc3339,
  topicFor,
  type Clock,
  type CommandMessage,
} from '@rfid/protocol';
import { CLOCK } from '../config/config.js';
import { LOGGER, type Logger } from '../logger.js';
import { DomainError } from '../common/domain-error.js';
import { MqttClientService } from '../mqtt/mqtt-client.service.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type CommandInput = DistributiveOmit<CommandMessage, 'id'>;

const CLOCK_TOLERANCE_MS = 2000;
const TIME_RESEND_MS = 60_000;

@Injectable()
export class GatewayCommandsService {
  private readonly log: Logger;
  private readonly lastTimeSent = new Map<string, number>();

  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
    private readonly mqtt: MqttClientService,
  ) {
    this.log = logger.child({ component: 'gateway-commands' });
  }

  /** Publish a command (validated against the protocol schema); returns it with its id. */
  async send(schoolId: string, gatewayId: string, command: CommandInput): Promise<CommandMessage> {
    const r = CommandMessageSchema.safeParse({ id: randomUUID(), ...command });
    if (!r.success)
      throw new DomainError(
        'bad_request',
        `command: ${r.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
      );
    await this.mqtt.publish(topicFor(schoolId, gatewayId, 'cmd'), r.data);
    this.log.info({ gatewayId, type: r.data.type, commandId: r.data.id }, 'command sent');
    return r.data;
  }

  /** Called on each status message: sync the gateway clock when it comes online or drifts. */
  async onGatewayStatus(
    schoolId: string,
    gatewayId: string,
    cameOnline: boolean,
    clockOffsetMs: number | undefined,
  ): Promise<void> {
    const now = this.clock.now();
    const last = this.lastTimeSent.get(gatewayId) ?? 0;
    const drifting =
      clockOffsetMs !== undefined &&
      Math.abs(clockOffsetMs) > CLOCK_TOLERANCE_MS &&
      now.getTime() - last >= TIME_RESEND_MS;
    if (!cameOnline && !drifting) return;
    this.lastTimeSent.set(gatewayId, now.getTime());
    await this.send(schoolId, gatewayId, { type: 'time', serverTime: toRfc3339(now, DEFAULT_TIME_ZONE) });
  }

  forget(gatewayId: string): void {
    this.lastTimeSent.delete(gatewayId);
  }
}
