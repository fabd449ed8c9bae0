/**
 * The demo phone inbox: one page (and `/inbox.json`) showing what each phone, mailbox and browser
 * "received" from the stand-ins, newest first, so a newcomer sees a message arrive seconds after a
 * tap. Plain HTML refreshed by `<meta http-equiv="refresh">` and a separate stylesheet: no inline
 * script or style, so it runs under a strict CSP.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EsmsStandIn } from './esms.js';
import type { SmtpStandIn } from './smtp.js';
import type { WebPushStandIn } from './web-push.js';
import type { ZaloStandIn } from './zalo.js';

export interface InboxSources {
  esms?: EsmsStandIn;
  zalo?: ZaloStandIn;
  smtp?: SmtpStandIn;
  push?: WebPushStandIn;
}

export interface InboxEntry {
  channel: 'sms' | 'zalo' | 'email' | 'push';
  to: string;
  at: string;
  /** The notification id (the provider's idempotency key). */
  id: string;
  /** Requests that carried it (1 = sent once; more = retries the provider deduped). */
  requests: number;
  title: string | null;
  text: string;
}

export function inboxEntries(s: InboxSources): InboxEntry[] {
  const out: InboxEntry[] = [];
  for (const m of s.esms?.messages() ?? [])
    out.push({
      channel: 'sms',
      to: m.to,
      at: m.at.toISOString(),
      id: m.key,
      requests: m.requests,
      title: null,
      text: `${m.body.content} [${m.body.parts} SMS]`,
    });
  for (const m of s.zalo?.messages() ?? []) {
    out.push({
      channel: 'zalo',
      to: m.to,
      at: m.at.toISOString(),
      id: m.key,
      requests: m.requests,
      title: `ZNS template ${m.body.request.template_id}`,
      text: Object.entries(m.body.request.template_data)
        .map(([k, v]) => `${k}: ${String(v)}`)
        .join(' · '),
    });
  }
  for (const m of s.smtp?.messages() ?? []) {
    out.push({
      channel: 'email',
      to: m.body.to.join(', '),
      at: m.at.toISOString(),
      id: m.body.headers['x-notification-id'] ?? m.key,
      requests: m.requests,
      title: m.body.subject,
      text: m.body.text.trim(),
    });
  }
  for (const m of s.push?.messages() ?? []) {
    const j = m.body.json as { id?: string; title?: string; body?: string } | null;
    out.push({
      channel: 'push',
      to: `browser ${m.body.subscriptionId.slice(0, 8)}`,
      at: m.at.toISOString(),
      id: j?.id ?? m.key,
      requests: m.requests,
      title: j?.title ?? null,
      text: j?.body ?? m.body.payload,
    });
  }
  return out.sort((a, b) => b.at.localeCompare(a.at));
}

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const CSS = `body{font-family:system-ui,sans-serif;margin:1.5rem;background:#f4f5f7;color:#1d2330}
h1{font-size:1.3rem}section{margin-bottom:1.5rem}h2{font-size:1.05rem;margin:.5rem 0}
.msg{background:#fff;border-radius:10px;padding:.6rem .8rem;margin:.35rem 0;box-shadow:0 1px 2px #0002;max-width:46rem}
.meta{color:#667;font-size:.8rem}.sms{border-left:4px solid #2e7d32}.zalo{border-left:4px solid #0068ff}
.email{border-left:4px solid #8e24aa}.push{border-left:4px solid #ef6c00}.dup{color:#b71c1c}.empty{color:#667}`;

export function inboxHtml(entries: InboxEntry[], refreshSec: number): string {
  const byTo = new Map<string, InboxEntry[]>();
  for (const e of entries) {
    const k = `${e.channel} → ${e.to}`;
    byTo.set(k, [...(byTo.get(k) ?? []), e]);
  }
  const sections = [...byTo.entries()]
    .map(
      ([who, list]) =>
        `<section><h2>${esc(who)} (${list.length})</h2>${list
          .map(
            (e) =>
              `<div class="msg ${e.channel}"><div class="meta">${esc(new Date(e.at).toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' }))} · id ${esc(e.id)}${e.requests > 1 ? ` · <span class="dup">${e.requests} requests, one message</span>` : ''}</div>${e.title ? `<strong>${esc(e.title)}</strong><br>` : ''}${esc(e.text)}</div>`,
          )
          .join('')}</section>`,
    )
    .join('');
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta http-equiv="refresh" content="${refreshSec}"><title>Hộp thư phụ huynh (demo)</title><link rel="stylesheet" href="/inbox.css"></head><body><h1>Hộp thư phụ huynh — what parents received (${entries.length})</h1>${sections || '<p class="empty">Nothing yet: tap a card.</p>'}</body></html>`;
}

export class InboxServer {
  private server: http.Server | null = null;
  private boundPort: number;

  constructor(
    private readonly sources: InboxSources,
    private readonly opts: { port?: number; host?: string; refreshSec?: number } = {},
  ) {
    this.boundPort = opts.port ?? 0;
  }

  get url(): string {
    return `http://${this.opts.host ?? '127.0.0.1'}:${this.boundPort}`;
  }

  async start(): Promise<this> {
    const server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://inbox').pathname;
      const headers = {
        'content-security-policy': "default-src 'none'; style-src 'self'",
        'x-content-type-options': 'nosniff',
      };
      if (path === '/inbox.json')
        res
          .writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8' })
          .end(JSON.stringify(inboxEntries(this.sources)));
      else if (path === '/inbox.css')
        res.writeHead(200, { ...headers, 'content-type': 'text/css; charset=utf-8' }).end(CSS);
      else if (path === '/' || path === '/inbox')
        res
          .writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' })
          .end(inboxHtml(inboxEntries(this.sources), this.opts.refreshSec ?? 3));
      else res.writeHead(404, headers).end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
