import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DevicesService } from './devices.service.js';
import { parseBody } from '../common/validation.js';
import { NoContentResponse, ZodBody, ZodResponse } from '../common/openapi.js';
import { GatewayCredentialsSchema, GatewayViewsSchema, RegisterDeviceSchema, type GatewayCredentialsView, type GatewayView } from '@rfid/protocol';
import { DomainError } from '../common/domain-error.js';
import { CurrentCaller, Roles } from '../auth/decorators.js';
import { ScopeService } from '../auth/scope.service.js';
import type { Caller } from '../auth/caller.js';
import { AuditService } from '../audit/audit.service.js';

/** Gateways: staff (admin, district, school) register and revoke them for schools in their scope. */
@ApiTags('devices')
@ApiBearerAuth()
@Controller()
@Roles('admin', 'district', 'school')
export class DevicesController {
  constructor(
    private readonly devices: DevicesService,
    private readonly scope: ScopeService,
    private readonly audit: AuditService,
  ) {}

  /** Register a gateway: `{gatewayId, mqttUsername, mqttPassword}`, the password shown once. */
  @Post('devices')
  @HttpCode(201)
  @ApiOperation({ summary: 'Register a gateway of a school: `{gatewayId, mqttUsername, mqttPassword}` (the password is shown once).' })
  @ZodBody(RegisterDeviceSchema)
  @ZodResponse(GatewayCredentialsSchema, { status: 201 })
  async register(@CurrentCaller() caller: Caller, @Body() body: unknown): Promise<GatewayCredentialsView> {
    const { schoolId, name } = parseBody(RegisterDeviceSchema, body);
    await this.scope.require(caller, 'school', schoolId);
    const c = await this.devices.register(schoolId, name);
    await this.audit.record(caller, { action: 'device.register', entity: 'gateway', entityId: c.gatewayId, schoolId, details: { name } });
    return { gatewayId: c.gatewayId, mqttUsername: c.mqttUsername, mqttPassword: c.mqttPassword };
  }

  @Get('schools/:schoolId/devices')
  @ApiOperation({ summary: 'Gateways of a school (no secrets).' })
  @ZodResponse(GatewayViewsSchema)
  async list(@Param('schoolId') schoolId: string): Promise<GatewayView[]> {
    const gws = await this.devices.listForSchool(schoolId);
    return gws.map((g) => ({ gatewayId: g.id, schoolId: g.schoolId, name: g.name, online: g.online, version: g.version, queue: g.queue, terminals: g.terminals, lastSeenAt: g.lastSeenAt, revokedAt: g.revokedAt, createdAt: g.createdAt }));
  }

  @Delete('devices/:gatewayId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a gateway: it can no longer log in to the broker.' })
  @NoContentResponse()
  async revoke(@CurrentCaller() caller: Caller, @Param('gatewayId') gatewayId: string): Promise<void> {
    const identity = await this.devices.lookup(gatewayId);
    if (!identity || (await this.scope.access(caller, 'school', identity.schoolId)) !== 'full') throw new DomainError('not_found', `gateway ${gatewayId} not found`);
    await this.devices.revoke(gatewayId);
    await this.audit.record(caller, { action: 'device.revoke', entity: 'gateway', entityId: gatewayId, schoolId: identity.schoolId });
  }
}
