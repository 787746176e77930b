import { type Express, Router } from 'express';
import { version } from '../../../package.json';
import { allow } from '../access';
import { buildOpenApi, type OpenApiDocument } from '../openapi';

/** `GET /api/openapi.json`: the description of the app serving it, built once from its routes. */
export function openApiRouter({ publicUrl }: { publicUrl: string }): Router {
  const r = Router();
  let built: OpenApiDocument | undefined;
  r.get('/api/openapi.json', allow.public(), (req, res) => {
    built ??= buildOpenApi(req.app as Express, { version, serverUrl: publicUrl }).document;
    res.json(built);
  });
  return r;
}
