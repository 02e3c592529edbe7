import { defineConfig } from 'vite';

// The terminal is served by the hub at /terminal/; in development `vite` proxies the API to a
// hub on localhost:8080.
export default defineConfig({
  base: '/terminal/',
  esbuild: { jsx: 'automatic' },
  build: { outDir: 'dist', target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 600 },
  server: {
    proxy: {
      '/api': 'http://localhost:8080',
      '/ws': { target: 'ws://localhost:8080', ws: true },
    },
  },
});
