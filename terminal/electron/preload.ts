import { contextBridge, ipcRenderer } from 'electron';
import type { PosShellBridge, ShellConfig } from './shell-config.js';

// The only things the page can ask of the shell: read and save the hub address, or go back to
// the setup screen. No Node.js, no file system, no arbitrary IPC.
const bridge: PosShellBridge = {
  isShell: true,
  config: () => ipcRenderer.invoke('shell:config') as Promise<ShellConfig | null>,
  saveConfig: (config) =>
    ipcRenderer.invoke('shell:save-config', config) as Promise<{ ok: boolean; error?: string }>,
  reset: () => ipcRenderer.invoke('shell:reset') as Promise<void>,
};

contextBridge.exposeInMainWorld('posShell', bridge);
