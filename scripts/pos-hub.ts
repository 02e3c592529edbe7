/**
 * `npm run pos-hub -- <command>`: the operator's command line for the hub's link to the cloud
 * (status, sync now with a progress bar, the backlog, enrol). See `edge-hub/src/sync/cli.ts`.
 */
import { posHub } from '@pos/edge-hub/sync/cli';

/** Read a PIN from the terminal without showing it. */
function askPin(): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    return Promise.reject(new Error('no PIN: pass --pin or set POS_HUB_PIN'));
  }
  process.stderr.write('Staff PIN: ');
  input.setRawMode(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let pin = '';
    const done = (result: () => void) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      result();
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(() => resolve(pin));
        if (ch === '\u0003') return done(() => reject(new Error('cancelled')));
        if (ch === '\u007f' || ch === '\b') pin = pin.slice(0, -1);
        else if (/^[0-9]$/.test(ch)) pin += ch;
      }
    };
    input.on('data', onData);
  });
}

process.exitCode = await posHub(process.argv.slice(2), process.env, {
  out: (text) =>
    process.stdout.write(text.endsWith('\n') || text.startsWith('\r') ? text : `${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  isTTY: process.stdout.isTTY === true,
  askPin,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  now: () => Date.now(),
});
