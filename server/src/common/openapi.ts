import { applyDecorators, type INestApplication } from '@nestjs/common';
import { ApiBody, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { z } from 'zod';

/** Documents a zod-validated JSON body in the OpenAPI document (the zod schema stays the one truth). */
export function ZodBody(schema: z.ZodType, description?: string): MethodDecorator {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return applyDecorators(ApiBody({ schema: json, description }));
}

/** The OpenAPI document of every controller, served at `/api/docs` (JSON at `/api/docs-json`). */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('RFID school attendance')
    .setDescription(
      'CONTRACT §4. Bearer token from `POST /api/v1/auth/login`. Ids outside the caller’s scope answer 404, like ids that do not exist; a role that may not do an action answers 403. Errors are `{statusCode, message, error}`.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
