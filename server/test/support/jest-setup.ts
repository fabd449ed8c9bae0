import { jest } from '@jest/globals';

// Integration tests start real PostgreSQL databases, brokers and servers.
jest.setTimeout(30_000);
