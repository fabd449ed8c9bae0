import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** Text files worth compressing; images (png, ico) are compressed already. */
const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|webmanifest|txt)$/;

/**
 * Writes `file.br` and `file.gz` beside every compressible file of the build (once, at build time,
 * at the highest levels), so the server sends them with `Content-Encoding` and never compresses
 * per request. A variant that is not smaller than the original is not written.
 */
function precompress(): Plugin {
  let outDir = 'dist';
  return {
    name: 'rfid-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((name) => {
          const file = path.join(dir, name);
          return statSync(file).isDirectory() ? walk(file) : [file];
        });
      for (const file of walk(outDir)) {
        if (!COMPRESSIBLE.test(file)) continue;
        const body = readFileSync(file);
        const br = brotliCompressSync(body, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
            [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
          },
        });
        const gz = gzipSync(body, { level: 9 });
        if (br.length < body.length) writeFileSync(`${file}.br`, br);
        if (gz.length < body.length) writeFileSync(`${file}.gz`, gz);
      }
    },
  };
}

/**
 * Adds `<link rel="modulepreload">` for the teacher board's lazy chunk and the chunks it imports,
 * so the browser fetches them beside the entry instead of after the entry has run (one round trip
 * and the entry's parse time fewer on the board's first load). Every route shares index.html, so
 * other pages fetch these few KB too; the board is the page opened most.
 */
function preloadBoard(): Plugin {
  const BOARD = /\/features\/board\/BoardPage\.tsx$/;
  return {
    name: 'rfid-preload-board',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const bundle = ctx.bundle;
        if (!bundle) return html;
        const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
        const board = chunks.find((c) => c.facadeModuleId && BOARD.test(c.facadeModuleId));
        if (!board) throw new Error('rfid-preload-board: no BoardPage chunk in the bundle');
        const files = new Set<string>();
        const visit = (file: string) => {
          if (files.has(file)) return;
          files.add(file);
          const chunk = bundle[file];
          if (chunk?.type === 'chunk') chunk.imports.forEach(visit);
        };
        visit(board.fileName);
        const links = [...files]
          .filter((f) => !html.includes(`/${f}"`))
          .map((f) => ({
            tag: 'link',
            attrs: { rel: 'modulepreload', crossorigin: true, href: `/${f}` },
            injectTo: 'head' as const,
          }));
        return { html, tags: links };
      },
    },
  };
}

// The server serves web/dist from `/` (with an index.html fallback for deep links), each file
// precompressed (brotli or gzip, as the browser accepts); in development, Vite proxies the API
// and Socket.IO to it.
export default defineConfig({
  plugins: [react(), preloadBoard(), precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline module-preload polyfill: the strict CSP allows scripts from 'self' only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  server: {
    proxy: {
      '/api': 'http://localhost:3000',
      '/socket.io': { target: 'ws://localhost:3000', ws: true },
    },
  },
});
