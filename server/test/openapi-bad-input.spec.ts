/**
 * Every operation of the OpenAPI document, called by an admin with malformed input (path ids that
 * are not ids, query values of the wrong form, bodies that are not JSON or not the schema): never a
 * 5xx, a 4xx where the input is refused, and the server healthy after. The document is read at run
 * time, so endpoints added later are covered without touching this test.
 */
import { asAdmin, type ApiClient } from './support/api.js';
import { startTestServer, type TestServer } from './support/test-server.js';

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  queryParams: string[];
  hasBody: boolean;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/** Query values no parameter of ours accepts as valid. */
const BAD_QUERY_VALUES = ['2026-02-30', '99999999999999999999', '-1', 'not a value', '%00', 'x'.repeat(5000)];

interface OpenApiDoc {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { in: string; name: string }[];
        requestBody?: unknown;
        security?: unknown;
        responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
      }
    >
  >;
}

function operationsOf(doc: OpenApiDoc): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = op.parameters ?? [];
      ops.push({
        method: method.toUpperCase(),
        path: path.replace(/^\/api\/v1/, ''),
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        hasBody: op.requestBody !== undefined,
      });
    }
  }
  return ops;
}

const fill = (op: Operation, value: string) =>
  op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    name === 'kind' ? 'students' : encodeURIComponent(value),
  );

describe('bad input over every operation of /api/docs', () => {
  let server: TestServer;
  let admin: ApiClient;
  let ops: Operation[];

  beforeAll(async () => {
    server = await startTestServer();
    admin = await asAdmin(server);
    const doc = (await (await fetch(`${server.httpUrl}/api/docs-json`)).json()) as OpenApiDoc;
    // Logout ends the very session these calls run on (it takes an empty body with the bearer
    // token, so any body is a logout): every later call would be a 401 and test nothing.
    ops = operationsOf(doc).filter((o) => o.path.startsWith('/') && o.path !== '/auth/logout');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('the document lists the API (and marks the routes that need a token)', async () => {
    expect(ops.length).toBeGreaterThan(25);
    const doc = (await (await fetch(`${server.httpUrl}/api/docs-json`)).json()) as OpenApiDoc;
    expect(doc.paths['/api/v1/schools']!.get!.security).toEqual([{ bearer: [] }]);
    expect(
      doc.paths['/api/v1/schools']!.get!.responses['200']?.content?.['application/json']?.schema,
    ).toBeDefined();
    // Every operation documents what it answers: a 2xx with a body schema, or a 204.
    const undocumented: string[] = [];
    for (const [path, item] of Object.entries(doc.paths))
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        const ok = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
        const documented = ok.some(
          ([status, r]) =>
            status === '204' || Object.values(r.content ?? {}).some((c) => c.schema !== undefined),
        );
        if (!documented) undocumented.push(`${method.toUpperCase()} ${path}`);
      }
    expect(undocumented).toEqual([]);
  });

  it('never answers 5xx; malformed path ids and bodies are 4xx; the server is healthy after', async () => {
    const failures: string[] = [];
    const call = async (
      label: string,
      method: string,
      path: string,
      body: unknown,
      headers: Record<string, string> = {},
      mustRefuse = false,
    ) => {
      const res = await admin.request(method, path, body, headers);
      if (res.status >= 500 || (mustRefuse && (res.status < 400 || res.status >= 500)))
        failures.push(
          `${label}: ${method} ${path.slice(0, 120)} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`,
        );
    };
    for (const op of ops) {
      // Path ids that are not ids.
      if (op.pathParams.some((p) => p !== 'kind')) {
        for (const bad of ['not-an-id', '99999999999999999999', "1' OR '1'='1"])
          await call('path', op.method, fill(op, bad), op.hasBody ? {} : undefined, {}, true);
      }
      // Query values of the wrong form, one parameter at a time (on a well-formed path where it has none).
      const base = fill(op, '00000000-0000-4000-8000-000000000000');
      for (const q of op.queryParams)
        for (const v of BAD_QUERY_VALUES)
          await call(
            `query ${q}`,
            op.method,
            `${base}?${q}=${encodeURIComponent(v)}`,
            op.hasBody ? {} : undefined,
          );
      // Bodies: not JSON, and JSON of the wrong shape.
      if (op.hasBody && !op.path.startsWith('/imports')) {
        await call(
          'body not JSON',
          op.method,
          base,
          '{"unclosed',
          { 'content-type': 'application/json' },
          true,
        );
        await call(
          'body wrong shape',
          op.method,
          base,
          { unexpected: [1, { deep: null }], name: 42, date: '2026-02-30' },
          {},
          true,
        );
        await call('body an array', op.method, base, [1, 2, 3], {}, true);
      }
    }
    expect(failures).toEqual([]);
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
    expect((await admin.get('/schools')).status).toBe(200);
  });

  it('GET /audit?beforeId beyond a bigint is a 400, not a 500', async () => {
    expect((await admin.get('/audit?beforeId=99999999999999999999')).status).toBe(400);
  });
});
