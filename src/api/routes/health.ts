import { allow } from '../access';
import { Router } from 'express';
import { overallStatus } from '../../domain/health';
import type { AppDeps } from '../app';

export function healthRouter({ health }: Pick<AppDeps, 'health'>): Router {
  const r = Router();
  r.get('/api/health', allow.public(), async (_req, res) => {
    const checks = await health();
    const status = overallStatus(checks);
    res.status(status === 'ok' ? 200 : 503).json({ status, checks });
  });
  return r;
}
