import { BrowserWindow } from 'electron';

/** The page's answer travels in its title (the prompt has no preload, so no bridge to send it by). */
const ANSWER = 'answer:';
const CANCEL = 'cancel:';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The prompt's page: a form asking for the team server's address, `error` (a refusal of the last one) shown. */
export function promptPage(value: string, error: string | null): string {
  const csp = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; form-action 'none'";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}"><title>Open Team Project</title>
<style>body{font:14px system-ui;margin:1.4em;background:#15171c;color:#e6e6e6}input{width:100%;padding:.4em;box-sizing:border-box}
p.error{color:#ff8b8b;min-height:1.2em}.buttons{text-align:right}button{margin-left:.5em}</style></head>
<body><form id="f"><label for="u">Address of the team server (its login page)</label>
<input id="u" type="url" placeholder="https://poses.example.org" value="${escapeHtml(value)}" autofocus required>
<p class="error" role="alert">${escapeHtml(error ?? '')}</p>
<div class="buttons"><button type="button" id="c">Cancel</button><button type="submit">Open</button></div></form>
<script>
document.getElementById('f').addEventListener('submit', (e) => {
  e.preventDefault();
  document.title = '${ANSWER}' + encodeURIComponent(document.getElementById('u').value);
});
document.getElementById('c').addEventListener('click', () => { document.title = '${CANCEL}' + Date.now(); });
</script></body></html>`;
}

/** The prompt's title as an answer: the typed address, null for cancel, undefined while it is just the title. */
export function answerOfTitle(title: string): string | null | undefined {
  if (title.startsWith(CANCEL)) return null;
  if (!title.startsWith(ANSWER)) return undefined;
  try {
    return decodeURIComponent(title.slice(ANSWER.length));
  } catch {
    return undefined;
  }
}

/**
 * Asks for a team server's address in a small modal window (Electron has no prompt dialog): a local page with no
 * preload, sandboxed, that may navigate nowhere. `check` refuses an address with the reason (shown, the prompt stays
 * open) or takes it; closing or Cancel answers null.
 */
export function askTeamUrl(
  parent: BrowserWindow | null,
  check: (typed: string) => Promise<string | null>,
  initial = '',
): Promise<string | null> {
  const w = new BrowserWindow({
    parent: parent ?? undefined,
    modal: parent !== null,
    width: 520,
    height: 210,
    resizable: false,
    minimizable: false,
    title: 'Open Team Project',
    webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true },
  });
  w.setMenu(null);
  w.webContents.on('will-navigate', (e) => e.preventDefault());
  w.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  const show = (value: string, error: string | null) =>
    void w.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(promptPage(value, error))}`);
  show(initial, null);
  return new Promise((resolve) => {
    let busy = false;
    w.on('page-title-updated', (e, title) => {
      e.preventDefault();
      const typed = answerOfTitle(title);
      if (typed === undefined || busy) return;
      if (typed === null) return w.close();
      busy = true;
      void check(typed).then((refusal) => {
        busy = false;
        if (refusal === null) {
          resolve(typed);
          w.destroy();
        } else show(typed, refusal);
      });
    });
    w.on('closed', () => resolve(null));
  });
}
