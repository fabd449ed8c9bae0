import { startTestServer, seedSchool, type TestServer } from './support/test-server.js';
import { adminAuthHeader } from './support/api.js';

describe('POST /api/v1/devices', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('registers a gateway and shows its MQTT password once, storing only a hash', async () => {
    const { schoolId } = await seedSchool(server.directory, 1);
    const res = await fetch(`${server.httpUrl}/api/v1/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await adminAuthHeader(server)) },
      body: JSON.stringify({ schoolId, name: 'Cổng chính' }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { gatewayId: string; mqttUsername: string; mqttPassword: string };
    expect(body.mqttUsername).toBe(body.gatewayId);
    expect(body.mqttPassword.length).toBeGreaterThanOrEqual(32);
    const identity = await server.devices.authenticate(body.gatewayId, body.mqttPassword);
    expect(identity).toMatchObject({ gatewayId: body.gatewayId, schoolId });
    expect(identity!.secretHash).not.toContain(body.mqttPassword);
    expect(await server.devices.authenticate(body.gatewayId, 'wrong')).toBeNull();
  });

  it('answers 400 for a bad body and 404 for an unknown school, never 500', async () => {
    const bad = await fetch(`${server.httpUrl}/api/v1/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await adminAuthHeader(server)) },
      body: JSON.stringify({ name: '' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ statusCode: 400, error: 'bad_request' });
    const missing = await fetch(`${server.httpUrl}/api/v1/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await adminAuthHeader(server)) },
      body: JSON.stringify({ schoolId: '00000000-0000-4000-8000-000000000000', name: 'x' }),
    });
    expect(missing.status).toBe(404);
  });
});
