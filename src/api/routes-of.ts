// The routes of an express app as declared: method, path, the policy its first handler carries and
// the request schemas its validator checks. The route-policy test and the OpenAPI description both
// read the app itself, so neither can drift from what is served.
import type express from 'express';
import type { Policy } from './access';
import type { Schemas } from './http';

interface Layer {
  handle: ((...args: unknown[]) => unknown) & { stack?: Layer[]; policy?: Policy; schemas?: Schemas };
  route?: { path: string | string[]; methods: Record<string, boolean>; stack: Layer[] };
}

export interface DeclaredRoute {
  method: string;
  path: string;
  /** Only when the FIRST handler carries it: a policy further down does not count. */
  policy?: Policy;
  schemas?: Schemas;
}

/** Express 5: the router stack; a mounted Router's own stack is walked too (every router here is mounted at the root). */
function walk(stack: Layer[], found: DeclaredRoute[]): DeclaredRoute[] {
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      const methods = Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m]);
      const first = layer.route.stack[0]?.handle;
      const schemas = layer.route.stack.find((l) => l.handle.schemas)?.handle.schemas;
      for (const path of paths) {
        for (const m of methods) found.push({ method: m.toUpperCase(), path, ...(first?.policy ? { policy: first.policy } : {}), ...(schemas ? { schemas } : {}) });
      }
    } else if (Array.isArray(layer.handle.stack)) {
      walk(layer.handle.stack, found);
    }
  }
  return found;
}

export const routesOf = (app: express.Express): DeclaredRoute[] => walk((app as unknown as { router: { stack: Layer[] } }).router.stack, []);
