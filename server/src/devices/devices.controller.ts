import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { z } from 'zod';
import { DevicesService, type GatewayCredentials } from './devices.service.js';
import { parseBody } from '../common/validation.js';

const RegisterDeviceSchema = z.object({
  schoolId: z.string().uuid(),
  name: z.string().trim().min(1).max(200),
});

@Controller('devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  /** Register a gateway: `{gatewayId, mqttUsername, mqttPassword}`, the password shown once. */
  @Post()
  @HttpCode(201)
  async register(@Body() body: unknown): Promise<Omit<GatewayCredentials, 'schoolId'>> {
    const { schoolId, name } = parseBody(RegisterDeviceSchema, body);
    const c = await this.devices.register(schoolId, name);
    return { gatewayId: c.gatewayId, mqttUsername: c.mqttUsername, mqttPassword: c.mqttPassword };
  }
}
