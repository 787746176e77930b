#!/usr/bin/env node
// Runs the TypeScript sources through tsx: no build step between a clone and `npm start`.
require('tsx/cjs');
require('../src/cli/main.ts').cli(process.argv.slice(2));
