import { Controller, Get, HttpException, HttpStatus } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthSchema, ReadySchema } from '@rfid/protocol';
import { ZodResponse } from '../common/openapi.js';
import { Database } from '../db/database.service.js';
import { MqttClientService } from '../mqtt/mqtt-client.service.js';

/** `/healthz`: the process answers. `/readyz`: database and broker reachable (503 otherwise). */
@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly db: Database,
    private readonly mqtt: MqttClientService,
  ) {}

  @Get('healthz')
  @ZodResponse(HealthSchema)
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @ZodResponse(ReadySchema)
  async ready(): Promise<{ status: 'ok'; db: 'ok'; broker: 'ok' }> {
    const db = (await this.db.ping()) ? 'ok' : 'down';
    const broker = this.mqtt.connected ? 'ok' : 'down';
    if (db !== 'ok' || broker !== 'ok') {
      throw new HttpException(
        { statusCode: 503, message: 'not ready', error: 'not_ready', db, broker },
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    }
    return { status: 'ok', db, broker };
  }
}
