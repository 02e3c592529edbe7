import type { HubModule } from './hub.js';
import { findAppDir, serveApp } from './static-app.js';

/**
 * The cashier terminal's web UI (`terminal/dist`, `npm run build:terminal`) at `/terminal/`,
 * and `/` sends a browser there: any tablet on the LAN opens the hub's address and gets the
 * terminal. The Electron shell on the counter loads the same page.
 */
export function terminalApp(options: { appDir?: string } = {}): HubModule {
  return {
    name: 'terminal-app',
    async start() {
      const dir = options.appDir ?? process.env.TERMINAL_APP_DIR ?? findAppDir('terminal');
      return {
        routes(app) {
          app.get('/', (_req, res) => res.redirect(302, '/terminal/'));
          serveApp(app, '/terminal', dir, 'npm run build:terminal');
        },
        close() {},
      };
    },
  };
}
