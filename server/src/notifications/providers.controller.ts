import { Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ProviderCallbackResultSchema } from '@rfid/protocol';
import { Public } from '../auth/decorators.js';
import { ZodResponse } from '../common/openapi.js';
import type { ProviderCallback } from './channels/channel.js';
import { NotificationsService } from './notifications.service.js';

interface RawRequest {
  method: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  rawBody?: Buffer;
}

function callback(req: RawRequest): ProviderCallback {
  const flat = (o: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(o).map(([k, v]) => [
        k,
        Array.isArray(v) ? String(v[0]) : v === undefined ? undefined : String(v),
      ]),
    );
  return {
    method: req.method === 'GET' ? 'GET' : 'POST',
    query: flat(req.query),
    headers: flat(req.headers as Record<string, unknown>),
    rawBody: req.rawBody ?? Buffer.alloc(0),
  };
}

/**
 * Delivery reports (CONTRACT §6). Called by the providers, so no bearer token: each callback is
 * verified by its channel as the provider documents (forged or unknown → 4xx).
 */
@ApiTags('providers')
@Controller('providers')
export class ProvidersController {
  constructor(private readonly notifications: NotificationsService) {}

  @Post('zalo/events')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Zalo OA webhook (`user_received_message` with `tracking_id`), verified by its `X-ZEvent-Signature`.',
  })
  @ZodResponse(ProviderCallbackResultSchema)
  zalo(@Req() req: RawRequest): Promise<{ updated: number }> {
    return this.notifications.handleCallback('zalo', callback(req));
  }

  @Get('esms/callback')
  @Public()
  @ApiOperation({ summary: 'eSMS delivery report (`SMSID, SendStatus, RequestId`).' })
  @ZodResponse(ProviderCallbackResultSchema)
  esms(@Req() req: RawRequest): Promise<{ updated: number }> {
    return this.notifications.handleCallback('sms', callback(req));
  }
}
