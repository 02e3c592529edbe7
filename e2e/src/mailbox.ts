import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailbox {
  /** `smtp://127.0.0.1:<port>`, for `SMTP_URL`. */
  url: string;
  mails: Mail[];
  /** The first mail to `address` that `match` accepts, waiting up to `ms` for it. */
  waitFor(address: string, match?: (mail: Mail) => boolean, ms?: number): Promise<Mail>;
  /** The six-digit code in the newest email-confirmation mail to `address`. */
  codeFor(address: string, ms?: number): Promise<string>;
  close(): Promise<void>;
}

/** A local SMTP server that keeps every mail it is given (the notification service's outbox). */
export async function startMailbox(): Promise<Mailbox> {
  const mails: Mail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, done) {
      simpleParser(stream)
        .then((m) => {
          const to = Array.isArray(m.to) ? m.to[0]?.text : m.to?.text;
          mails.push({ to: to ?? '', subject: m.subject ?? '', text: (m.text ?? '').trim() });
          done();
        })
        .catch(done);
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  const port = (smtp.server.address() as AddressInfo).port;
  const waitFor = async (
    address: string,
    match: (mail: Mail) => boolean = () => true,
    ms = 15_000,
  ) => {
    const until = Date.now() + ms;
    for (;;) {
      const found = mails.find(
        (m) => m.to.toLowerCase().includes(address.toLowerCase()) && match(m),
      );
      if (found) return found;
      if (Date.now() > until) throw new Error(`no mail to ${address} in time`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    waitFor,
    async codeFor(address, ms) {
      const isCode = (m: Mail) => /^Your code: \d{6}$/.test(m.subject);
      await waitFor(address, isCode, ms);
      const newest = mails
        .filter((m) => m.to.toLowerCase().includes(address.toLowerCase()) && isCode(m))
        .at(-1);
      const code = /\d{6}/.exec(newest?.subject ?? '')?.[0];
      if (!code) throw new Error(`no code for ${address}`);
      return code;
    },
    close: () => new Promise((r) => smtp.close(() => r())),
  };
}
