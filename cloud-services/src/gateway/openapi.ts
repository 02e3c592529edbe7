import { inlineHash, withSecurityHeaders } from '@pos/kit/http/page-headers';
import type { Express } from 'express';
import { type GatewayRoute, routeFor, UPSTREAMS, type UpstreamName } from './routes.js';

type Json = Record<string, unknown>;

/**
 * `/api/v1/openapi.json`: every service's own document (`/openapi.json`) merged into one, with
 * the gateway's access rules written onto each operation (`x-access`, and bearer security where a
 * token is needed); a service that does not answer is listed under `x-unavailable`. `/api/v1/docs`
 * is a page that reads it.
 */
export function openApiRoutes(
  app: Express,
  upstreams: Readonly<Record<UpstreamName, URL>>,
  routes: readonly GatewayRoute[],
): void {
  let cached: { at: number; doc: Json } | undefined;
  app.get('/api/v1/openapi.json', async (_req, res) => {
    if (!cached || Date.now() - cached.at > 60_000)
      cached = { at: Date.now(), doc: await merge(upstreams, routes) };
    res.json(cached.doc);
  });
  app.get('/api/v1/docs', withSecurityHeaders(DOCS_PAGE_CSP), (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });
}

async function merge(
  upstreams: Readonly<Record<UpstreamName, URL>>,
  routes: readonly GatewayRoute[],
): Promise<Json> {
  const paths: Record<string, Record<string, Json>> = {};
  const unavailable: string[] = [];
  let components: Json = {};
  for (const name of UPSTREAMS) {
    try {
      const res = await fetch(new URL('/openapi.json', upstreams[name]), {
        signal: AbortSignal.timeout(2_000),
      });
      if (!res.ok) throw new Error(String(res.status));
      const doc = (await res.json()) as {
        paths?: Record<string, Record<string, Json>>;
        components?: Json;
      };
      components = { ...components, ...doc.components };
      for (const [path, ops] of Object.entries(doc.paths ?? {})) {
        const route = routeFor(path.replace(/\{[^}]+\}/g, 'x'), routes);
        if (!route || route.upstream !== name) continue;
        for (const [method, op] of Object.entries(ops)) {
          const access = ['get', 'head', 'options'].includes(method) ? route.read : route.write;
          paths[path] ??= {};
          (paths[path] as Record<string, Json>)[method] = {
            ...op,
            'x-access': access,
            ...(access === 'public' ? {} : { security: [{ bearer: [] }] }),
            ...(route.deprecated ? { deprecated: true } : {}),
          };
        }
      }
    } catch {
      unavailable.push(name);
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Restaurant POS cloud API',
      version: '1.0.0',
      description:
        'Every request goes through the gateway: tokens from the auth service (EdDSA JWT), rate limits of 100 requests a minute per user and 1,000 per address, RFC 9457 problems.',
    },
    servers: [{ url: '/' }],
    paths,
    components,
    ...(unavailable.length > 0 ? { 'x-unavailable': unavailable } : {}),
  };
}

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>POS cloud API</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}code{background:#f4f4f4;padding:0 .2rem}
.m{font-weight:700;text-transform:uppercase}</style></head>
<body><h1>POS cloud API</h1><p id="about"></p><table><thead><tr><th>Method</th><th>Path</th><th>What</th><th>Who</th></tr></thead>
<tbody id="ops"></tbody></table>
<script>
fetch('/api/v1/openapi.json').then(r=>r.json()).then(doc=>{
  document.getElementById('about').textContent=doc.info.description;
  const rows=[];
  for(const [path,ops] of Object.entries(doc.paths)) for(const [m,op] of Object.entries(ops)){
    const tr=document.createElement('tr');
    const who=Array.isArray(op['x-access'])?op['x-access'].join(', '):op['x-access'];
    for(const [text,cls] of [[m,'m'],[path,'code'],[op.summary+(op.deprecated?' (deprecated)':''),''],[who,'']]){
      const td=document.createElement('td'); if(cls==='code'){const c=document.createElement('code');c.textContent=text;td.append(c);} else {td.textContent=text; if(cls) td.className=cls;}
      tr.append(td);
    }
    rows.push(tr);
  }
  document.getElementById('ops').append(...rows);
});
</script></body></html>`;

/** The docs page is one file: its own inline script and style (by hash), and the document. */
const DOCS_PAGE_CSP = {
  'default-src': "'none'",
  'script-src': inlineHash(/<script>([\s\S]*?)<\/script>/.exec(DOCS_PAGE)?.[1] ?? ''),
  'style-src': inlineHash(/<style>([\s\S]*?)<\/style>/.exec(DOCS_PAGE)?.[1] ?? ''),
  'connect-src': "'self'",
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-ancestors': "'none'",
};
