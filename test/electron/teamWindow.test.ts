// "Open Team Project…" in the desktop app, its logic under Node (electron cannot start here: its module is replaced
// by a recorder of the windows and sessions the shell makes). The address typed is checked (http(s) only, no
// credentials, https off this machine), then asked of the server — a real team server on a real PostgreSQL is one,
// web mode's local server and a redirect are not, a closed port and a silent one are said so —, and the window
// that shows it has no preload, a session of its own with every permission denied, and navigation confined to it.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import http from 'node:http';
import { photoProject } from '../support/photoProject.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { BUNDLED_MODEL_PATH } from '../../src/node/inference/bundledModel.ts';
import { PG_MISSING, teamClusterPerFile } from '../team/teamHarness.ts';

interface Recorded {
  options: { webPreferences: Record<string, unknown> };
  handlers: Map<string, (...a: unknown[]) => void>;
  openHandler: ((d: { url: string }) => { action: string }) | null;
  loaded: string | null;
}
const windows: Recorded[] = [];
const sessions = new Map<string, { request?: (...a: unknown[]) => void; check?: (...a: unknown[]) => boolean }>();
const opened: string[] = [];
const sessionOf = (name: string) => {
  const s = sessions.get(name) ?? {};
  sessions.set(name, s);
  return {
    setPermissionRequestHandler: (f: (...a: unknown[]) => void) => (s.request = f),
    setPermissionCheckHandler: (f: (...a: unknown[]) => boolean) => (s.check = f),
  };
};
vi.mock('electron', () => ({
  BrowserWindow: class {
    private readonly r: Recorded;
    readonly webContents: unknown;
    constructor(options: Recorded['options']) {
      const r: Recorded = { options, handlers: new Map(), openHandler: null, loaded: null };
      this.r = r;
      windows.push(r);
      this.webContents = {
        on: (ev: string, f: (...a: unknown[]) => void) => r.handlers.set(ev, f),
        setWindowOpenHandler: (f: Recorded['openHandler']) => (r.openHandler = f),
      };
    }
    once() {}
    loadURL(url: string) {
      this.r.loaded = url;
      return Promise.resolve();
    }
  },
  session: { defaultSession: sessionOf('default'), fromPartition: (p: string) => sessionOf(p) },
  shell: { openExternal: (u: string) => opened.push(u) },
}));

const { createSecureWindow, createTeamWindow, TEAM_PARTITION } = await import('../../src/main/createWindow.ts');
const { navigationAllowed } = await import('../../src/main/navigationPolicy.ts');
const { checkTeamServer, parseTeamServerUrl } = await import('../../src/main/teamServerUrl.ts');
const { answerOfTitle, promptPage } = await import('../../src/main/teamUrlPrompt.ts');
const { startTeamServer } = await import('../../src/server/teamServer.ts');
const { startServer } = await import('../../src/server/startServer.ts');

describe('the team server address', () => {
  it('is refused unless http(s), without credentials, and https when it is another machine', () => {
    const refusal = (typed: string) => {
      const r = parseTeamServerUrl(typed);
      return r.ok ? null : r.error;
    };
    expect(refusal('   ')).toMatch(/^type the address of the team server/);
    expect(refusal('poses.example.org')).toMatch(/has no scheme: .*https:\/\//);
    expect(refusal('file:///etc/passwd')).toBe('only http:// and https:// team servers can be opened, not file:');
    expect(refusal('javascript:alert(1)')).toMatch(/not javascript:/);
    expect(refusal('simplepose-media://project/images/1')).toMatch(/not simplepose-media:/);
    expect(refusal('https://ann:secret@poses.example.org')).toMatch(/no user name or password/);
    expect(refusal('http://10.0.0.5:8080')).toMatch(/password over the network unencrypted: use the team's https/);
    expect(refusal('http://127.0.0.1.evil.example')).toMatch(/unencrypted/);
    expect(refusal('https://')).toMatch(/is not a web address/);
    expect(parseTeamServerUrl('https://poses.example.org/some/page?token=x#y')).toEqual({
      ok: true,
      origin: 'https://poses.example.org',
      loginUrl: 'https://poses.example.org/login',
    });
    for (const local of ['http://127.0.0.1:8080', 'http://localhost:9000/login', 'http://[::1]:8080'])
      expect(parseTeamServerUrl(local).ok, local).toBe(true);
  });
});

describe.skipIf(PG_MISSING)('asking the server', () => {
  const pg = teamClusterPerFile();
  let project: OpenProject;
  const stops: (() => Promise<unknown>)[] = [];
  const listen = async (handler: http.RequestListener) => {
    const s = http.createServer(handler);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    stops.push(() => new Promise((r) => s.close(r)).then(() => s.closeAllConnections()));
    return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
  };
  beforeAll(async () => {
    project = await photoProject(1);
  });
  afterAll(async () => {
    for (const stop of stops) await stop().catch(() => undefined);
    await project?.close();
  });

  it('a team server is one; web mode, a redirect, a closed port and a silent server are not, said why', async () => {
    const team = await startTeamServer({
      team: await pg.fresh(),
      imagesRoot: project.root,
      modelPath: BUNDLED_MODEL_PATH,
      boss: null,
    });
    stops.push(() => team.close());
    const at = `http://127.0.0.1:${team.port}`;
    expect(await checkTeamServer(`${at}/anything`)).toEqual({ ok: true, origin: at, loginUrl: `${at}/login` });

    const local = await startServer({ service: project.service, root: project.root });
    stops.push(() => local.close());
    const web = await checkTeamServer(`http://127.0.0.1:${local.port}`);
    expect(web).toEqual({
      ok: false,
      error: expect.stringMatching(
        /^http:\/\/127\.0\.0\.1:\d+\/login is not the login page of a SimplePose team server/,
      ),
    });
    const elsewhere = await listen((_q, s) => s.writeHead(302, { Location: 'https://evil.example/login' }).end());
    expect(await checkTeamServer(elsewhere)).toMatchObject({ ok: false, error: expect.stringMatching(/HTTP 302/) });
    const lookalike = await listen((_q, s) =>
      s.writeHead(200, { 'Content-Type': 'text/html' }).end('<form>login</form>'),
    );
    expect(await checkTeamServer(lookalike)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/another web page/),
    });

    const closed = await listen(() => undefined);
    await stops.pop()!();
    expect(await checkTeamServer(closed)).toEqual({
      ok: false,
      error: `nothing answers at ${closed} (connection refused): is the team server running?`,
    });
    const silent = await listen(() => undefined); // accepts, never answers
    expect(await checkTeamServer(silent, { timeoutMs: 300 })).toEqual({
      ok: false,
      error: `${silent} did not answer within 0.3 s`,
    });
  });
});

describe('the team window', () => {
  it('has no preload, a session of its own denying every permission, and stays on its server', () => {
    windows.length = 0;
    createTeamWindow('https://poses.example.org/login');
    const [w] = windows;
    expect(w.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      partition: TEAM_PARTITION,
    });
    expect(w.options.webPreferences).not.toHaveProperty('preload');
    expect(w.loaded).toBe('https://poses.example.org/login');
    const team = sessions.get(TEAM_PARTITION)!;
    let granted: boolean | null = null;
    team.request!({}, 'media', (ok: boolean) => (granted = ok));
    expect(granted).toBe(false);
    expect(team.check!({}, 'notifications')).toBe(false);
    const navigates = (url: string) => {
      let prevented = false;
      w.handlers.get('will-navigate')!({ preventDefault: () => (prevented = true) }, url);
      return !prevented;
    };
    expect(navigates('https://poses.example.org/?token=abc')).toBe(true); // the login's way into the app
    expect(navigates('https://evil.example/')).toBe(false);
    expect(navigates('http://poses.example.org/')).toBe(false);
    expect(navigates('https://poses.example.org:8443/')).toBe(false);
    expect(navigates('file:///etc/passwd')).toBe(false);
    let redirected = true;
    w.handlers.get('will-redirect')!({ preventDefault: () => (redirected = false) }, 'https://evil.example/');
    expect(redirected).toBe(false);
    expect(w.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(opened).toEqual([]); // a remote page's links open nothing, not even the system browser
  });

  it('the app’s own window keeps its preload and its one page', () => {
    windows.length = 0;
    createSecureWindow({ preload: '/app/preload.cjs', rendererUrl: 'file:///app/renderer/index.html' });
    expect(windows[0].options.webPreferences).toMatchObject({ preload: '/app/preload.cjs' });
    expect(windows[0].options.webPreferences).not.toHaveProperty('partition');
    expect(navigationAllowed('file:///app/renderer/index.html', 'file:///app/renderer/other.html', 'page')).toBe(false);
    expect(navigationAllowed('http://127.0.0.1:8080/login', 'http://127.0.0.1:8080@evil.example/', 'origin')).toBe(
      false,
    );
    expect(navigationAllowed('http://127.0.0.1:8080/login', 'not a url', 'origin')).toBe(false);
  });
});

describe('the address prompt', () => {
  it('answers through its title, and shows what was typed without running it', () => {
    expect(answerOfTitle('Open Team Project')).toBeUndefined();
    expect(answerOfTitle(`answer:${encodeURIComponent('https://poses.example.org')}`)).toBe(
      'https://poses.example.org',
    );
    expect(answerOfTitle('cancel:1')).toBeNull();
    expect(answerOfTitle('answer:%E0%A4%A')).toBeUndefined();
    const page = promptPage('"><script>alert(1)</script>', 'refused <b>');
    expect(page).not.toContain('<script>alert(1)');
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(page).toContain('refused &lt;b&gt;');
    expect(page).toContain("form-action 'none'");
  });
});
