// Raw HTTP for the attack suites: requests with exactly the headers given (Host included or left out), and a
// body flood over a raw socket that tells whether the server stopped reading.
import http from 'node:http';
import net from 'node:net';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: { error?: string; code?: string; [k: string]: unknown } | null;
}

/** One request with exactly the headers given (plus Host unless `host: null`). */
export function send(
  port: number,
  method: string,
  urlPath: string,
  o: { headers?: Record<string, string>; body?: string | Buffer; host?: string | null } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...o.headers };
    if (o.host !== undefined && o.host !== null) headers.Host = o.host;
    if (o.body !== undefined) headers['Content-Length'] = Buffer.byteLength(o.body);
    const req = http.request(
      { host: '127.0.0.1', port, method, path: urlPath, headers, setHost: o.host !== null },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json = null;
          try {
            json = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode!, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}
/**
 * Streams `total` bytes of body over a raw socket until the server closes the connection (a server that reads on
 * lets every byte through); resolves the server's answer and how many bytes got out.
 */
export function flood(
  port: number,
  o: {
    headers: Record<string, string | number>;
    total: number;
    chunked?: boolean;
  },
): Promise<{ status: number | null; json: Reply['json']; sentBytes: number; continued: boolean }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let sent = 0,
      got = '',
      done = false,
      answered = false;
    const headers = {
      Host: `127.0.0.1:${port}`,
      ...o.headers,
      ...(o.chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': o.total }),
    };
    const head = `POST /api/listImages HTTP/1.1\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n`;
    const parse = () => {
      const final =
        got.split('\r\n\r\n').length > 1 ? /HTTP\/1\.1 (?!100)(\d+)[\s\S]*?\r\n\r\n([\s\S]*)$/.exec(got) : null;
      let json = null;
      try {
        json = final ? JSON.parse(final[2]) : null;
      } catch {
        /* incomplete */
      }
      return { status: final ? Number(final[1]) : null, json, continued: got.startsWith('HTTP/1.1 100') };
    };
    const finish = () => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve({ ...parse(), sentBytes: sent });
    };
    sock.on('data', (d) => {
      got += d;
      const r = parse();
      if (r.continued && !answered && r.status === null) pump();
      if (r.status !== null && !answered) {
        answered = true;
        setTimeout(finish, 300); // keep writing a moment after the answer
      }
    });
    sock.on('error', () => setTimeout(finish, 50));
    sock.on('close', () => setTimeout(finish, 50));
    const chunk = Buffer.alloc(1 << 20, 0x20);
    const frame = o.chunked
      ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])
      : chunk;
    let pumping = false;
    const pump = () => {
      if (pumping) return;
      pumping = true;
      const go = () => {
        while (!done && !sock.destroyed && sent < o.total) {
          sent += chunk.length;
          if (!sock.write(frame)) return void sock.once('drain', go);
        }
      };
      go();
    };
    sock.write(head);
    if (!o.headers.Expect) pump();
    setTimeout(finish, 20_000);
  });
}
