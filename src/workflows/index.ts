// The only workflowsPath: every workflow the worker runs.
export { emergencyResponse } from './emergency-response';
export { humanTask } from './human-task';
export { systemCheck } from './system-check';
