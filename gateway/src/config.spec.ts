import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadGatewayConfig, parseGatewayConfig, parseTerminalSource } from './config.js';

describe('gateway config', () => {
  it('loads the example config with defaults filled in', () => {
    const c = loadGatewayConfig(path.join(import.meta.dirname, '..', 'gateway.example.json'));
    expect(c).toMatchObject({
      schoolId: 'kt-001',
      timeZone: 'Asia/Ho_Chi_Minh',
      repeatWindowSeconds: 60,
      batchMax: 500,
      maxInFlightBatches: 8,
      logLevel: 'info',
    });
    expect(c.terminals.map((t) => t.format)).toEqual(['rdm6300', 'smart', 'decimal10']);
  });

  it('takes mqtt.ca as PEM text or as a file path relative to the config file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-ca-'));
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    writeFileSync(path.join(dir, 'ca.crt'), pem);
    const base = { schoolId: 's', gatewayId: 'g', dataDir: dir };
    writeFileSync(
      path.join(dir, 'gateway.json'),
      JSON.stringify({ ...base, mqtt: { url: 'mqtts://h:8883', ca: 'ca.crt' } }),
    );
    expect(loadGatewayConfig(path.join(dir, 'gateway.json')).mqtt.ca).toBe(pem);
    expect(parseGatewayConfig({ ...base, mqtt: { url: 'mqtts://h:8883', ca: pem } }).mqtt.ca).toBe(pem);
    expect(() =>
      parseGatewayConfig({ ...base, mqtt: { url: 'mqtts://h:8883', ca: 'missing.crt' } }, 'gw.json', dir),
    ).toThrow(/gw\.json: mqtt\.ca: .*missing\.crt cannot be read/);
  });

  it('parses terminal sources', () => {
    expect(parseTerminalSource('serial:/dev/ttyUSB0?baud=115200')).toEqual({
      kind: 'serial',
      path: '/dev/ttyUSB0',
      baudRate: 115200,
    });
    expect(parseTerminalSource('serial:/dev/ttyS1')).toEqual({
      kind: 'serial',
      path: '/dev/ttyS1',
      baudRate: 9600,
    });
    expect(parseTerminalSource('tcp://10.0.0.5:4001')).toEqual({ kind: 'tcp', host: '10.0.0.5', port: 4001 });
    expect(() => parseTerminalSource('tcp://10.0.0.5')).toThrow(/host and port/);
    expect(() => parseTerminalSource('/dev/ttyUSB0')).toThrow(/serial:PATH/);
  });

  it('fails fast naming every bad field', () => {
    const bad = () =>
      parseGatewayConfig({
        schoolId: 'kt 001',
        gatewayId: 'gw',
        mqtt: { url: 'http://x' },
        dataDir: '/tmp/x',
        timeZone: 'Mars/Olympus',
        terminals: [
          { id: 'a', source: 'usb0', format: 'rdm6300' },
          { id: 'a', source: 'tcp://h:1', format: 'nfc' },
        ],
      });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/schoolId/);
    expect(bad).toThrow(/mqtt\.url/);
    expect(bad).toThrow(/timeZone/);
    expect(bad).toThrow(/terminals\.0\.source/);
    expect(bad).toThrow(/terminals\.1\.format/);
  });
});
