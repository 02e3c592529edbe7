/** What the shell keeps between starts (first-run setup). */
export interface ShellConfig {
  /** The hub's address on the LAN, e.g. http://192.168.1.20:8080. */
  hubUrl: string;
  /** Full screen with no way out but the hub's own sign-out (a counter terminal). */
  kiosk: boolean;
}

export function validHubUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/** The bridge the preload script gives the page (`window.posShell`). */
export interface PosShellBridge {
  readonly isShell: true;
  config(): Promise<ShellConfig | null>;
  saveConfig(config: ShellConfig): Promise<{ ok: boolean; error?: string }>;
  reset(): Promise<void>;
}
