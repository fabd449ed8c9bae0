import { applyDecorators, type INestApplication } from '@nestjs/common';
import { ApiBody, ApiResponse, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { z } from 'zod';

function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/** Documents a zod-validated JSON body in the OpenAPI document (the zod schema stays the one truth). */
export function ZodBody(schema: z.ZodType, description?: string): MethodDecorator {
  return applyDecorators(ApiBody({ schema: jsonSchemaOf(schema, 'input'), description }));
}

/**
 * Documents a response body by its zod schema from `@rfid/protocol` (`status` 200 unless given);
 * the controller method's return type is the schema's type, so the document and the code agree.
 */
export function ZodResponse(
  schema: z.ZodType,
  options: { status?: number; description?: string } = {},
): MethodDecorator {
  return applyDecorators(
    ApiResponse({
      status: options.status ?? 200,
      description: options.description ?? 'OK',
      schema: jsonSchemaOf(schema, 'output'),
    }),
  );
}

/** Documents a response without a body (204). */
export function NoContentResponse(description = 'Done, no body'): MethodDecorator {
  return applyDecorators(ApiResponse({ status: 204, description }));
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
