import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DevicesService } from './devices.service.js';
import { parseBody } from '../common/validation.js';
import { NoContentResponse, ZodBody, ZodResponse } from '../common/openapi.js';
import {
  DEFAULT_TIME_ZONE,
  RegisteredGatewaySchema,
  type RegisteredGatewayView,
  GatewayViewsSchema,
  RegisterDeviceSchema,
  RotateSecretSchema,
  RotatedSecretSchema,
  toRfc3339,
  type GatewayView,
  type RotatedSecretView,
} from '@rfid/protocol';
import { GatewayCommandsService } from '../commands/gateway-commands.service.js';
import { LOGGER, type Logger } from '../logger.js';
import { hostname } from 'node:os';
import { SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { EmbeddedBrokerService } from '../mqtt/embedded-broker.service.js';
import { brokerForGateways, gatewayConfigFile } from './gateway-config-file.js';
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
    private readonly commands: GatewayCommandsService,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    private readonly broker: EmbeddedBrokerService,
  ) {}

  /**
   * Register a gateway: `{gatewayId, mqttUsername, mqttPassword}`, the password shown once, and
   * `config`: the same as a ready gateway config file (broker URL, login, CA when TLS is on).
   */
  @Post('devices')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Register a gateway of a school: `{gatewayId, mqttUsername, mqttPassword, config}` (the password is shown once; `config` is a ready gateway config file: save it as /etc/rfid/gateway.json).',
  })
  @ZodBody(RegisterDeviceSchema)
  @ZodResponse(RegisteredGatewaySchema, { status: 201 })
  async register(@CurrentCaller() caller: Caller, @Body() body: unknown): Promise<RegisteredGatewayView> {
    const { schoolId, name } = parseBody(RegisterDeviceSchema, body);
    await this.scope.require(caller, 'school', schoolId);
    const c = await this.devices.register(schoolId, name);
    await this.audit.record(caller, {
      action: 'device.register',
      entity: 'gateway',
      entityId: c.gatewayId,
      schoolId,
      details: { name },
    });
    const embedded = {
      tlsPort: this.broker.tlsPort,
      port: this.broker.port,
      ca: this.broker.tlsCa?.pem ?? null,
    };
    const broker = brokerForGateways(this.config, embedded, hostname());
    const timeZone = (await this.devices.schoolTimeZone(schoolId)) ?? DEFAULT_TIME_ZONE;
    return {
      gatewayId: c.gatewayId,
      mqttUsername: c.mqttUsername,
      mqttPassword: c.mqttPassword,
      config: gatewayConfigFile(c, broker, timeZone),
    };
  }

  @Get('schools/:schoolId/devices')
  @ApiOperation({ summary: 'Gateways of a school (no secrets).' })
  @ZodResponse(GatewayViewsSchema)
  async list(@Param('schoolId') schoolId: string): Promise<GatewayView[]> {
    const gws = await this.devices.listForSchool(schoolId);
    return gws.map((g) => ({
      gatewayId: g.id,
      schoolId: g.schoolId,
      name: g.name,
      online: g.online,
      version: g.version,
      queue: g.queue,
      terminals: g.terminals,
      lastSeenAt: g.lastSeenAt,
      revokedAt: g.revokedAt,
      createdAt: g.createdAt,
    }));
  }

  /**
   * Rotate a gateway's secret without losing a tap: the old secret keeps working for the grace
   * period while the gateway is sent the new one on its `…/cmd` (it stores it and reconnects);
   * afterwards only the new one logs in. Audited; the new secret is shown once.
   */
  @Post('devices/:gatewayId/secret')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Rotate a gateway secret: the new one (shown once) is also sent to the gateway; the old one is accepted for `graceSeconds` (default 86400).',
  })
  @ZodBody(RotateSecretSchema)
  @ZodResponse(RotatedSecretSchema, { status: 201 })
  async rotateSecret(
    @CurrentCaller() caller: Caller,
    @Param('gatewayId') gatewayId: string,
    @Body() body: unknown,
  ): Promise<RotatedSecretView> {
    const { graceSeconds } = parseBody(RotateSecretSchema, body ?? {});
    const identity = await this.devices.lookup(gatewayId);
    if (
      !identity ||
      identity.revoked ||
      (await this.scope.access(caller, 'school', identity.schoolId)) !== 'full'
    )
      throw new DomainError('not_found', `gateway ${gatewayId} not found`);
    const r = await this.devices.rotateSecret(gatewayId, graceSeconds, async (rotated) => {
      try {
        await this.commands.send(rotated.schoolId, gatewayId, {
          type: 'secret',
          password: rotated.mqttPassword,
          oldValidUntil: toRfc3339(rotated.previousSecretValidUntil, 'UTC'),
        });
      } catch (e) {
        // The rotation stands: the operator puts the new secret in the gateway's config file instead.
        this.logger.warn(
          { gatewayId, err: (e as Error).message },
          'new gateway secret could not be sent by cmd',
        );
        throw e;
      }
    });
    const validUntil = toRfc3339(r.previousSecretValidUntil, 'UTC');
    await this.audit.record(caller, {
      action: 'device.rotate_secret',
      entity: 'gateway',
      entityId: gatewayId,
      schoolId: r.schoolId,
      details: {
        graceSeconds: graceSeconds ?? null,
        previousSecretValidUntil: validUntil,
        sentToGateway: r.sentToGateway,
      },
    });
    return {
      gatewayId,
      mqttUsername: r.mqttUsername,
      mqttPassword: r.mqttPassword,
      previousSecretValidUntil: validUntil,
      sentToGateway: r.sentToGateway,
    };
  }

  @Delete('devices/:gatewayId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a gateway: it can no longer log in to the broker.' })
  @NoContentResponse()
  async revoke(@CurrentCaller() caller: Caller, @Param('gatewayId') gatewayId: string): Promise<void> {
    const identity = await this.devices.lookup(gatewayId);
    if (!identity || (await this.scope.access(caller, 'school', identity.schoolId)) !== 'full')
      throw new DomainError('not_found', `gateway ${gatewayId} not found`);
    await this.devices.revoke(gatewayId);
    await this.audit.record(caller, {
      action: 'device.revoke',
      entity: 'gateway',
      entityId: gatewayId,
      schoolId: identity.schoolId,
    });
  }
}
