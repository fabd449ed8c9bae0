// One jest run over every workspace (each keeps its own jest.config.js).
export default {
  projects: [
    '<rootDir>/test',
    '<rootDir>/protocol',
    '<rootDir>/firmware-sim',
    '<rootDir>/provider-sim',
    '<rootDir>/gateway',
    '<rootDir>/server',
    '<rootDir>/demo',
    '<rootDir>/bench',
  ],
};
