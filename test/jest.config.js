import { preset } from '../jest.preset.js';

// Repository-level checks: the deployment files, the README's commands.
export default { ...preset(import.meta.dirname), displayName: 'repo', testMatch: ['<rootDir>/**/*.spec.ts'] };
