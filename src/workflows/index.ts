// The only workflowsPath: every workflow the worker runs.
export { systemCheck } from './system-check';
