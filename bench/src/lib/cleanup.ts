/**
 * Clean-up that must run however a benchmark ends: normally (`runCleanups` from a `finally`),
 * on an error, or on Ctrl-C / SIGTERM. Each task runs at most once; on a signal the process
 * exits with 128 + the signal number after the tasks are done.
 */

type Task = () => Promise<void> | void;

const tasks: Task[] = [];
let installed = false;
let running: Promise<void> | undefined;

/** Register a task; they run last-registered first, like nested `finally` blocks. */
export function onCleanup(task: Task): void {
  tasks.unshift(task);
  if (!installed) {
    installed = true;
    process.once('SIGINT', () => void exitAfterCleanup(130, 'SIGINT'));
    process.once('SIGTERM', () => void exitAfterCleanup(143, 'SIGTERM'));
  }
}

/** Run every registered task once (failures are reported, not thrown). */
export function runCleanups(): Promise<void> {
  running ??= (async () => {
    for (const task of tasks.splice(0)) {
      try {
        await task();
      } catch (err) {
        console.error(`clean-up failed: ${(err as Error).message}`);
      }
    }
  })();
  return running;
}

async function exitAfterCleanup(code: number, signal: string): Promise<void> {
  console.error(`\n${signal}: stopping the benchmark…`);
  await runCleanups();
  process.exit(code);
}

/**
 * Run a benchmark's `main` as the process: its return value is the exit code, a throw is a
 * failed benchmark (exit 1), clean-up runs either way, and nothing left holding the event loop
 * (a stuck socket) keeps the process alive afterwards.
 */
export async function runBenchmark(main: () => Promise<number>): Promise<void> {
  let code = 1;
  try {
    code = await main();
  } catch (err) {
    console.error(`benchmark failed: ${(err as Error).stack ?? err}`);
  } finally {
    await runCleanups();
  }
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2_000).unref();
}
