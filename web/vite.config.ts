import { defineConfig } from 'vite';

// The server serves web/dist from `/`; in development, Vite proxies the API and Socket.IO to it.
export default defineConfig({
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: {
      '/api': 'http://localhost:3000',
      '/socket.io': { target: 'ws://localhost:3000', ws: true },
    },
  },
});
