/**
 * No Docker engine runs in CI, so the deployment is checked by what can be checked without one:
 * docker-compose's own validation, and that every file, build context and variable it names exists.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '..');
const composeText = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');

interface Service {
  build?: { context: string; dockerfile?: string; target?: string };
  environment?: Record<string, string>;
  volumes?: string[];
  profiles?: string[];
}
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service> };

function envExample(): Record<string, string> {
  return Object.fromEntries(
    readFileSync(path.join(root, 'deploy/.env.example'), 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('docker-compose.yml', () => {
  const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;

  it('passes docker-compose config with the example environment', () => {
    if (!hasCompose) {
      console.warn(
        'docker-compose is not installed (apt-get install docker-compose): only the YAML checks ran',
      );
      expect(compose.services).toBeDefined();
      return;
    }
    const out = execFileSync('docker-compose', ['--profile', 'edge', 'config', '-q'], {
      cwd: root,
      env: { ...process.env, ...envExample() },
      encoding: 'utf8',
    });
    expect(out).toBe('');
  });

  it('fails without the secrets, naming the missing variable', () => {
    if (!hasCompose) return expect(composeText).toContain('${POSTGRES_PASSWORD:?');
    const r = spawnSync('docker-compose', ['config', '-q'], {
      cwd: root,
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/POSTGRES_PASSWORD|ADMIN_PASSWORD|JWT_SECRET|MQTT_SERVER_PASSWORD/);
  });

  it('declares every required variable in deploy/.env.example', () => {
    const required = [...composeText.matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]!);
    expect(required.length).toBeGreaterThan(0);
    expect(Object.keys(envExample())).toEqual(expect.arrayContaining([...new Set(required)]));
  });

  it('builds each service from an existing context and a Dockerfile stage whose CMD entry is built', () => {
    const built = Object.entries(compose.services).filter(([, s]) => s.build);
    expect(built.map(([n]) => n).sort()).toEqual(['gateway', 'server']);
    for (const [name, s] of built) {
      const context = path.resolve(root, s.build!.context);
      const dockerfile = path.join(context, s.build!.dockerfile ?? 'Dockerfile');
      expect(existsSync(dockerfile)).toBe(true);
      const text = readFileSync(dockerfile, 'utf8');
      for (const m of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
        for (const src of m[1]!.split(/\s+/))
          expect([src, existsSync(path.join(context, src))]).toEqual([src, true]);
      }
      // The target stage exists and its CMD runs <ws>/dist/X.js whose source <ws>/src/X.ts exists.
      const target = s.build!.target ?? name;
      const stage = text.split(/\nFROM /).find((st) => new RegExp(`AS ${target}\\n`).test(st));
      expect([target, stage !== undefined]).toEqual([target, true]);
      const entry = /(\w[\w-]*)\/dist\/([\w/-]+)\.js/.exec(stage!);
      expect(entry).not.toBeNull();
      expect(existsSync(path.join(context, entry![1]!, 'src', `${entry![2]}.ts`))).toBe(true);
    }
  });

  it('mounts only files that exist in the repository', () => {
    for (const s of Object.values(compose.services)) {
      for (const v of s.volumes ?? []) {
        const src = v.split(':')[0]!;
        if (src.startsWith('./')) expect([src, existsSync(path.join(root, src))]).toEqual([src, true]);
      }
    }
  });

  it('gives the server every variable of CONTRACT §5 that production needs', () => {
    const env = compose.services.server!.environment!;
    for (const name of ['DATABASE_URL', 'MQTT_URL', 'HTTP_PORT', 'ADMIN_PASSWORD'])
      expect(env[name]).toBeTruthy();
  });

  it('serves HTTPS through nginx with HSTS; plain HTTP only redirects; /metrics is not public', () => {
    const lb = compose.services.lb as Service & { ports?: string[] };
    expect(lb.ports).toEqual(expect.arrayContaining(['80:80', '443:443']));
    expect(lb.volumes).toEqual(expect.arrayContaining(['./deploy/nginx/certs:/etc/nginx/certs:ro']));
    const nginx = readFileSync(path.join(root, 'deploy/nginx/nginx.conf'), 'utf8');
    expect(nginx).toMatch(/listen 443 ssl;/);
    expect(nginx).toMatch(/ssl_protocols TLSv1\.2 TLSv1\.3;/);
    expect(nginx).toMatch(/add_header Strict-Transport-Security "max-age=\d{8,}; includeSubDomains" always;/);
    const plain = /server \{\s*listen 80;([\s\S]*?)\n {2}\}/.exec(nginx)![1]!;
    expect(plain).toContain('return 301 https://');
    expect(plain).not.toContain('proxy_pass');
    expect(nginx).toMatch(/location = \/metrics \{\s*return 404;/);
    const env = compose.services.server!.environment!;
    expect(env.TRUST_PROXY).toBe('1');
    expect(env.METRICS_TOKEN).toBeTruthy();
  });
});
