// Shared jest settings: ESM TypeScript through ts-jest (NestJS 12 and aedes 1 are ESM-only).
// Workspaces import each other's sources, so tests never need a prior build.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(fileURLToPath(import.meta.url));

export function preset(dir, extra = {}) {
  return {
    displayName: path.basename(dir),
    rootDir: dir,
    testEnvironment: 'node',
    extensionsToTreatAsEsm: ['.ts'],
    testMatch: [
      '<rootDir>/src/**/*.spec.ts',
      '<rootDir>/test/**/*.spec.ts',
      '<rootDir>/test/**/*.e2e-spec.ts',
    ],
    moduleNameMapper: {
      '^@rfid/protocol$': path.join(root, 'protocol/src/index.ts'),
      '^@rfid/firmware-sim$': path.join(root, 'firmware-sim/src/index.ts'),
      '^@rfid/provider-sim$': path.join(root, 'provider-sim/src/index.ts'),
      '^@rfid/gateway$': path.join(root, 'gateway/src/index.ts'),
      '^(\\.{1,2}/.*)\\.js$': '$1',
    },
    transform: {
      '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: path.join(dir, 'tsconfig.json') }],
    },
    ...extra,
  };
}
