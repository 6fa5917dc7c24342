// Vite builds the console into dist/, which the console backend serves at `/`. The dev server (`npx vite` here)
// forwards /api to a running backend.
import { defineConfig } from 'vite'

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': { target: `http://127.0.0.1:${process.env.GRIMOS_CONSOLE_PORT ?? 3003}`, changeOrigin: false } },
  },
})
