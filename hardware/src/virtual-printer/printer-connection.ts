import type { Socket } from 'node:net';
import type { Logger } from '@pos/kit';
import type { CodePageName, CommandSet } from '../escpos/code-pages.js';
import { type DecodedDocument, EscPosDecoder } from '../escpos/decoder.js';

/** A job larger than this is closed as it stands, so one endless stream cannot exhaust memory. */
const MAX_JOB_BYTES = 8 * 1024 * 1024;

export interface CompletedJob {
  raw: Buffer;
  document: DecodedDocument;
  /** False when any of it arrived while the printer could not print. */
  printable: boolean;
}

export interface ConnectionHooks {
  emulation: CommandSet;
  codePage: CodePageName;
  logger: Logger;
  /** The reply byte to DLE EOT n, or undefined to stay silent. */
  statusReply(n: number): number | undefined;
  /** Whether paper moves right now (online and nothing wrong). */
  canPrint(): boolean;
  jobDone(job: CompletedJob): void;
}

/**
 * One TCP connection to the printer. Bytes are decoded command by command; a cut ends a job,
 * and so does the end of the connection. DLE EOT is answered as a real printer does: on
 * arrival, from the raw stream, even in the middle of another command's data.
 */
export class PrinterConnection {
  private readonly decoder: EscPosDecoder;
  private pending: Buffer = Buffer.alloc(0);
  private jobChunks: Buffer[] = [];
  private jobBytes = 0;
  private jobHasOutput = false;
  private jobBlocked = false;
  private tail: Buffer = Buffer.alloc(0);

  constructor(
    private readonly socket: Socket,
    private readonly hooks: ConnectionHooks,
  ) {
    this.decoder = new EscPosDecoder({ emulation: hooks.emulation, codePage: hooks.codePage });
    socket.on('data', (chunk: Buffer) => this.guard(() => this.receive(chunk)));
    socket.on('end', () => this.guard(() => this.finish()));
    socket.on('close', () => this.guard(() => this.finish()));
    socket.on('error', (err) => hooks.logger.debug({ err }, 'printer connection error'));
  }

  private guard(action: () => void): void {
    try {
      action();
    } catch (err) {
      this.hooks.logger.error({ err }, 'virtual printer failed to handle bytes');
    }
  }

  private receive(chunk: Buffer): void {
    this.answerStatusRequests(chunk);
    if (!this.hooks.canPrint()) this.jobBlocked = true;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.parse(false);
    if (this.jobBytes > MAX_JOB_BYTES) this.completeJob();
  }

  private finish(): void {
    if (this.pending.length > 0) this.parse(true);
    this.completeJob();
    if (!this.socket.destroyed) this.socket.end();
  }

  private parse(final: boolean): void {
    const buf = this.pending;
    let offset = 0;
    while (offset < buf.length) {
      const step = this.decoder.next(buf, offset, final);
      if (!step) break;
      this.jobChunks.push(buf.subarray(offset, offset + step.length));
      this.jobBytes += step.length;
      if (step.printable) this.jobHasOutput = true;
      offset += step.length;
      if (step.cut) this.completeJob();
    }
    this.pending = buf.subarray(offset);
  }

  /** Scan for DLE EOT n (n = 1..4), including one split across two chunks. */
  private answerStatusRequests(chunk: Buffer): void {
    const bytes = this.tail.length === 0 ? chunk : Buffer.concat([this.tail, chunk]);
    const replies: number[] = [];
    // The tail is two bytes, so every match found here ends in the new chunk: none is answered twice.
    for (let i = 0; i + 2 < bytes.length; i++) {
      const n = bytes[i + 2] ?? 0;
      if (bytes[i] === 0x10 && bytes[i + 1] === 0x04 && n >= 1 && n <= 4) {
        const reply = this.hooks.statusReply(n);
        if (reply !== undefined) replies.push(reply);
        i += 2;
      }
    }
    this.tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 2)));
    if (replies.length > 0 && this.socket.writable) this.socket.write(Buffer.from(replies));
  }

  private completeJob(): void {
    const raw = Buffer.concat(this.jobChunks);
    const document = this.decoder.takeDocument();
    const hadOutput = this.jobHasOutput;
    const printable = !this.jobBlocked && this.hooks.canPrint();
    this.jobChunks = [];
    this.jobBytes = 0;
    this.jobHasOutput = false;
    this.jobBlocked = !this.hooks.canPrint();
    // Status polls and a bare ESC @ are not jobs.
    if (hadOutput) this.hooks.jobDone({ raw, document, printable });
  }
}
