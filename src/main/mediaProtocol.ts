import { protocol } from 'electron';
import type { ProjectService } from '../node/project/projectService.ts';
import { MEDIA_HOST, MEDIA_SCHEME } from '../contract/apiRoutes.ts';
import { readMedia } from '../node/project/projectMedia.ts';

/** Must run before the app is ready: the scheme is standard and secure, may be fetched, but bypasses no CSP. */
export function registerMediaScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ]);
}

/**
 * simplepose-media://project/<images|thumbs|maps>/<id>: the project's media through the same readMedia as web
 * mode (project files resolved and confined to the project folder by the service). `current()` gives the open
 * project.
 */
export function handleMediaProtocol(current: () => { service: ProjectService } | null): void {
  protocol.handle(MEDIA_SCHEME, async (request) => {
    const url = new URL(request.url);
    const project = current();
    if (url.host !== MEDIA_HOST || !project) return new Response('not found', { status: 404 });
    const r = await readMedia(project.service, url.pathname);
    return new Response(Buffer.from(r.body), {
      status: r.status,
      headers: {
        'Content-Type': r.type,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': r.cache ? 'private, max-age=3600' : 'no-store',
      },
    });
  });
}
