import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  ConsentChangeSchema,
  GuardianConsentsSchema,
  MyGuardiansSchema,
  NotificationListSchema,
  NotificationPageQuerySchema,
  NotificationPreferencesPatchSchema,
  NotificationPreferencesResponseSchema,
  ResendResponseSchema,
  SchoolConsentResponseSchema,
  SchoolNotificationsQuerySchema,
  WebhookRegistrationSchema,
  WebhookResponseSchema,
  type Notification,
} from '@rfid/protocol';
import { parseBody } from '../common/validation.js';
import { NoContentResponse, ZodBody, ZodResponse } from '../common/openapi.js';
import { DomainError } from '../common/domain-error.js';
import { CurrentCaller, HandlesPartialScope, Roles, type ScopedRequest } from '../auth/decorators.js';
import { isUuid } from '../auth/scope.service.js';
import type { Caller } from '../auth/caller.js';
import { NotificationsService, type Page } from './notifications.service.js';

interface LinkResponse {
  setHeader(name: string, value: string): void;
}
interface UrlRequest extends ScopedRequest {
  originalUrl: string;
  protocol: string;
  get(h: string): string | undefined;
}

/** `Link: <…>; rel="next"` while more remain (CONTRACT §4 paging). */
function withLink(req: UrlRequest, res: LinkResponse, page: Page<Notification>): Notification[] {
  if (page.next) {
    const u = new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
    u.searchParams.set('cursor', page.next);
    res.setHeader('Link', `<${u.pathname}${u.search}>; rel="next"`);
  }
  return page.items;
}

function uuidParam(name: string, v: string): string {
  if (!isUuid(v)) throw new DomainError('bad_request', `${name}: "${v}" is not a UUID`);
  return v;
}

/** Parent notifications: a student's and a school's messages, resend, consent, preferences, webhooks. */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller()
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get('students/:studentId/notifications')
  @ApiOperation({
    summary:
      'Messages to the student’s guardians, newest first (CONTRACT §4 fields; paged: `limit`, `cursor`, `Link: rel="next"`).',
  })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ZodResponse(NotificationListSchema)
  async forStudent(
    @Param('studentId') id: string,
    @Query() query: unknown,
    @Req() req: UrlRequest,
    @Res({ passthrough: true }) res: LinkResponse,
  ): Promise<Notification[]> {
    const q = parseBody(NotificationPageQuerySchema, query);
    return withLink(req, res, await this.notifications.forStudent(id, q.limit, q.cursor));
  }

  @Get('schools/:schoolId/notifications')
  @HandlesPartialScope()
  @ApiOperation({
    summary:
      'A school’s day of messages (`date=YYYY-MM-DD`, school-local), newest first; teachers and parents see their students’ only. Paged.',
  })
  @ApiQuery({ name: 'date', required: true })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ZodResponse(NotificationListSchema)
  async forSchool(
    @CurrentCaller() caller: Caller,
    @Param('schoolId') id: string,
    @Query() query: unknown,
    @Req() req: UrlRequest,
    @Res({ passthrough: true }) res: LinkResponse,
  ): Promise<Notification[]> {
    const q = parseBody(SchoolNotificationsQuerySchema, query);
    return withLink(
      req,
      res,
      await this.notifications.forSchoolDay(caller, id, q.date, q.limit, q.cursor, req.visibleStudentIds),
    );
  }

  @Post('notifications/:notificationId/resend')
  @HttpCode(201)
  @Roles('admin', 'district', 'school')
  @ApiOperation({
    summary: 'Send a message again (a new notification, due now; audited). School staff within their scope.',
  })
  @ZodResponse(ResendResponseSchema, { status: 201 })
  resend(@CurrentCaller() caller: Caller, @Param('notificationId') id: string) {
    return this.notifications.resend(caller, uuidParam('notificationId', id));
  }

  @Get('me/guardians')
  @Roles('parent')
  @ApiOperation({
    summary:
      'The guardian records the signed-in parent is, with their children: whose consent and channels the parent sets.',
  })
  @ZodResponse(MyGuardiansSchema)
  myGuardians(@CurrentCaller() caller: Caller) {
    return this.notifications.myGuardians(caller);
  }

  @Get('guardians/:guardianId/consents')
  @ApiOperation({
    summary: 'Consent of a guardian: channels in force now, and every record (who, when, how).',
  })
  @ZodResponse(GuardianConsentsSchema)
  consents(@CurrentCaller() caller: Caller, @Param('guardianId') id: string) {
    return this.notifications.consents(caller, uuidParam('guardianId', id));
  }

  @Post('guardians/:guardianId/consents')
  @HttpCode(201)
  @ZodBody(ConsentChangeSchema)
  @ApiOperation({
    summary:
      'Record a guardian’s consent (granted) or its withdrawal for channels; a parent records their own (`parent_app`). Audited.',
  })
  @ZodResponse(GuardianConsentsSchema, { status: 201 })
  changeConsent(@CurrentCaller() caller: Caller, @Param('guardianId') id: string, @Body() body: unknown) {
    return this.notifications.changeConsent(
      caller,
      uuidParam('guardianId', id),
      parseBody(ConsentChangeSchema, body),
    );
  }

  @Post('schools/:schoolId/consents')
  @HttpCode(201)
  @Roles('admin', 'district', 'school')
  @ZodBody(ConsentChangeSchema)
  @ApiOperation({
    summary:
      'Record the same consent (or withdrawal) for every guardian of the school’s students — the forms a school collected. Audited.',
  })
  @ZodResponse(SchoolConsentResponseSchema, { status: 201 })
  changeSchoolConsent(@CurrentCaller() caller: Caller, @Param('schoolId') id: string, @Body() body: unknown) {
    return this.notifications.changeSchoolConsent(caller, id, parseBody(ConsentChangeSchema, body));
  }

  @Get('guardians/:guardianId/notification-preferences')
  @ApiOperation({
    summary: 'A guardian’s channel order and opted-out events, and the list in use (the default applied).',
  })
  @ZodResponse(NotificationPreferencesResponseSchema)
  preferences(@CurrentCaller() caller: Caller, @Param('guardianId') id: string) {
    return this.notifications.preferences(caller, uuidParam('guardianId', id));
  }

  @Put('guardians/:guardianId/notification-preferences')
  @ZodBody(NotificationPreferencesPatchSchema)
  @ApiOperation({
    summary:
      'Change a guardian’s channel order and/or opted-out events (staff in scope, or the parent themself). Audited.',
  })
  @ZodResponse(NotificationPreferencesResponseSchema)
  setPreferences(@CurrentCaller() caller: Caller, @Param('guardianId') id: string, @Body() body: unknown) {
    return this.notifications.setPreferences(
      caller,
      uuidParam('guardianId', id),
      parseBody(NotificationPreferencesPatchSchema, body),
    );
  }

  @Get('schools/:schoolId/webhook')
  @Roles('admin', 'district', 'school')
  @ApiOperation({ summary: 'The school’s webhook (its secret is never shown).' })
  @ZodResponse(WebhookResponseSchema)
  webhook(@Param('schoolId') id: string) {
    return this.notifications.getWebhook(id);
  }

  @Put('schools/:schoolId/webhook')
  @Roles('admin', 'district', 'school')
  @ZodBody(WebhookRegistrationSchema)
  @ApiOperation({
    summary:
      'Register the school’s webhook: `POST` JSON with `X-Signature: sha256=<hex HMAC-SHA256 of the body>` and `X-Notification-Id`. Audited.',
  })
  @ZodResponse(WebhookResponseSchema)
  setWebhook(@CurrentCaller() caller: Caller, @Param('schoolId') id: string, @Body() body: unknown) {
    const b = parseBody(WebhookRegistrationSchema, body);
    return this.notifications.setWebhook(caller, id, b.url, b.secret);
  }

  @Delete('schools/:schoolId/webhook')
  @HttpCode(204)
  @Roles('admin', 'district', 'school')
  @ApiOperation({ summary: 'Remove the school’s webhook. Audited.' })
  @NoContentResponse()
  async deleteWebhook(@CurrentCaller() caller: Caller, @Param('schoolId') id: string): Promise<void> {
    await this.notifications.deleteWebhook(caller, id);
  }
}
