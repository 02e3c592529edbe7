/**
 * How bytes reach a printer. A transport sends one job's bytes and, where the link is two-way,
 * reads the printer's status (DLE EOT). Failures are values the print queue acts on (retry,
 * fail over, show the printer as offline), never crashes.
 */
export interface PrinterTransport {
  readonly description: string;
  /** Send a whole job; resolves when the bytes have left (TCP: the connection closed cleanly). */
  send(bytes: Uint8Array, timeoutMs: number): Promise<SendResult>;
  /** Ask the printer for its status bytes (two-way links only). */
  requestStatus?(request: Uint8Array, replyBytes: number, timeoutMs: number): Promise<StatusReply>;
  close(): Promise<void>;
}

export type SendResult = { ok: true } | { ok: false; reason: TransportFailure; message: string };

export type StatusReply =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; reason: TransportFailure; message: string };

export type TransportFailure = 'unreachable' | 'timeout' | 'closed-early' | 'error';

export function failure(
  reason: TransportFailure,
  err: unknown,
): { ok: false; reason: TransportFailure; message: string } {
  const message = err instanceof Error ? err.message : String(err);
  return { ok: false, reason, message };
}
