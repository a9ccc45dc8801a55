// RequestRedirect (rule level or on the chosen backendRef): the gateway answers itself with the
// Location the Gateway API rules give (gateway-api reference §2.7).
import { redirectLocation } from './filters.ts';
import type { RequestContext } from '../runtime/context.ts';
import type { Redirect } from '../runtime/filters.ts';

export function answerRedirect(ctx: RequestContext, r: Redirect): void {
  const location = redirectLocation(r, {
    scheme: ctx.listener?.protocol === 'HTTPS' ? 'https' : 'http',
    host: ctx.host,
    path: ctx.path,
    query: ctx.query,
    listenerPort: ctx.req.socket.localPort ?? ctx.port,
    matchedPrefix: ctx.matchedPrefix,
  });
  ctx.res.writeHead(r.statusCode, { location, 'content-length': 0 });
  ctx.res.end();
}
