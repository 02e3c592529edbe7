import { type AddressInfo, createServer, type Server } from 'node:net';

/**
 * A networked printer that prints nothing: it takes each job's bytes, answers DLE EOT status
 * requests with "online, paper loaded", and counts jobs. A real printer costs the hub the same
 * and the benchmark machine nothing.
 */
export async function startNullPrinter(onJob: (endedAt: number) => void = () => {}): Promise<{
  port: number;
  jobs(): number;
  close(): Promise<void>;
}> {
  let jobs = 0;
  const server: Server = createServer((socket) => {
    let sawData = false;
    socket.on('data', (chunk: Buffer) => {
      const statusRequests = countStatusRequests(chunk);
      if (statusRequests > 0) socket.write(Buffer.alloc(statusRequests, 0x12));
      if (chunk.length > statusRequests * 3) sawData = true;
    });
    socket.on('end', () => {
      if (sawData) {
        jobs += 1;
        onJob(performance.now());
      }
      socket.end();
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    jobs: () => jobs,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** DLE EOT n (10 04 n) requests in a chunk that holds only such requests. */
function countStatusRequests(chunk: Buffer): number {
  if (chunk.length % 3 !== 0) return 0;
  for (let i = 0; i < chunk.length; i += 3) {
    if (chunk[i] !== 0x10 || chunk[i + 1] !== 0x04) return 0;
  }
  return chunk.length / 3;
}
