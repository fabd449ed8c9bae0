/** Request and response bodies of the REST API (CONTRACT §4): the one source of the server's and the web's types. */
export * from './common.js';
export * from './attendance.js';
export * from './taps.js';
export * from './schools.js';
export * from './people.js';
export * from './cards.js';
export * from './devices.js';
export * from './auth.js';
export * from './audit.js';
export * from './imports.js';
export * from './health.js';
export * from './privacy.js';
export * from './notifications.js';
export * from './push.js';
export * from './reports.js';
