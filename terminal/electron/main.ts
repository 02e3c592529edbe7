import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, session } from 'electron';
import { type ShellConfig, validHubUrl } from './shell-config.js';

// The cashier terminal's shell: one full-screen kiosk window showing the web UI the hub
// serves. The hub's address is asked once (first-run setup) and kept in the user data folder.
// The page gets no Node.js: context isolation on, node integration off, and only the small
// typed bridge in `preload.ts`. When the hub restarts or the network drops, the window keeps
// trying and reloads the terminal as soon as the hub answers.

const configPath = () => join(app.getPath('userData'), 'terminal.json');

function readConfig(): ShellConfig | null {
  try {
    const parsed = JSON.parse(readFileSync(configPath(), 'utf8')) as Partial<ShellConfig>;
    return typeof parsed.hubUrl === 'string' && validHubUrl(parsed.hubUrl)
      ? { hubUrl: parsed.hubUrl, kiosk: parsed.kiosk !== false }
      : null;
  } catch {
    return null;
  }
}

function writeConfig(config: ShellConfig): void {
  mkdirSync(app.getPath('userData'), { recursive: true });
  writeFileSync(configPath(), JSON.stringify(config, null, 2));
}

let window: BrowserWindow | null = null;

function createWindow(config: ShellConfig | null): void {
  window = new BrowserWindow({
    width: 1280,
    height: 800,
    kiosk: config?.kiosk ?? false,
    fullscreen: config?.kiosk ?? false,
    autoHideMenuBar: true,
    backgroundColor: '#111827',
    webPreferences: {
      preload: join(import.meta.dirname, 'preload.js'),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
    },
  });
  // Links never open new windows; the terminal stays the only thing on screen.
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  if (config) void showTerminal(config);
  else void window.loadFile(join(import.meta.dirname, 'setup.html'));
}

async function showTerminal(config: ShellConfig): Promise<void> {
  const url = new URL('/terminal/', config.hubUrl).toString();
  const w = window;
  if (!w) return;
  w.webContents.on('did-fail-load', () => scheduleRetry(config));
  w.webContents.on('render-process-gone', () => scheduleRetry(config));
  try {
    await w.loadURL(url);
  } catch {
    scheduleRetry(config);
  }
}

let retry: NodeJS.Timeout | null = null;

/** The hub is down or restarting: show the wait page and try again every 3 s. */
function scheduleRetry(config: ShellConfig): void {
  if (retry || !window) return;
  void window.loadFile(join(import.meta.dirname, 'waiting.html'));
  retry = setInterval(async () => {
    try {
      const res = await fetch(new URL('/health', config.hubUrl));
      if (!res.ok) return;
    } catch {
      return;
    }
    if (retry) clearInterval(retry);
    retry = null;
    await window?.loadURL(new URL('/terminal/', config.hubUrl).toString());
  }, 3_000);
}

ipcMain.handle('shell:config', () => readConfig());
ipcMain.handle('shell:save-config', async (_event, raw: unknown) => {
  const candidate = raw as Partial<ShellConfig> | null;
  if (!candidate || typeof candidate.hubUrl !== 'string' || !validHubUrl(candidate.hubUrl)) {
    return { ok: false, error: 'Enter the hub address, e.g. http://192.168.1.20:8080' };
  }
  try {
    const res = await fetch(new URL('/health', candidate.hubUrl));
    if (!res.ok) return { ok: false, error: `The hub answered ${res.status}` };
  } catch {
    return { ok: false, error: 'No hub answers at that address' };
  }
  const config = { hubUrl: candidate.hubUrl, kiosk: candidate.kiosk !== false };
  writeConfig(config);
  void showTerminal(config);
  return { ok: true };
});
ipcMain.handle('shell:reset', () => {
  if (existsSync(configPath())) writeFileSync(configPath(), '{}');
  void window?.loadFile(join(import.meta.dirname, 'setup.html'));
});

app.whenReady().then(() => {
  // The terminal needs no camera, microphone or notifications from the page.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) =>
    callback(false),
  );
  createWindow(readConfig());
});
app.on('window-all-closed', () => app.quit());
