import { allGatewaysTopic, gatewayTopicPrefix, parseTopic, sharedTopic, topicFor } from './topics.js';

describe('MQTT topics (CONTRACT §3)', () => {
  it('builds and parses every kind', () => {
    for (const kind of ['taps', 'acks', 'status', 'roster', 'cmd'] as const) {
      const t = topicFor('KT0001', 'gw-1', kind);
      expect(t).toBe(`rfid/v1/KT0001/gw-1/${kind}`);
      expect(parseTopic(t)).toEqual({ schoolId: 'KT0001', gatewayId: 'gw-1', kind });
      expect(t.startsWith(gatewayTopicPrefix('KT0001', 'gw-1'))).toBe(true);
    }
  });

  it('refuses ids that would break the topic tree', () => {
    expect(() => topicFor('KT/0001', 'gw', 'taps')).toThrow(/schoolId/);
    expect(() => topicFor('KT0001', '+', 'taps')).toThrow(/gatewayId/);
    expect(parseTopic('rfid/v1/KT0001/gw/other')).toBeNull();
    expect(parseTopic('rfid/v2/KT0001/gw/taps')).toBeNull();
    expect(parseTopic('rfid/v1/KT0001/gw/taps/x')).toBeNull();
  });

  it('has the wildcard and shared subscription forms', () => {
    expect(allGatewaysTopic('taps')).toBe('rfid/v1/+/+/taps');
    expect(sharedTopic('ingest', allGatewaysTopic('taps'))).toBe('$share/ingest/rfid/v1/+/+/taps');
  });
});
