/**
 * `dflsim serve`: the explorer in the browser (see `src/serve/server.ts`).
 */
import type { Argv } from 'yargs';
import { DflsimInputError } from '../../errors.js';

type Out = (s: string) => void;

/** Register the serve command. */
export function serveCommand(y: Argv, out: Out): Argv {
  return y.command(
    'serve',
    'explore networks, topologies, rounds and short training runs in the browser',
    (c) =>
      c
        .option('port', { type: 'number', default: 8080, describe: 'port to listen on (0: any free port)' })
        .option('host', { type: 'string', default: '127.0.0.1', describe: 'interface to bind (default: loopback only)' })
        .option('work-dir', { type: 'string', default: '.dflsim-serve', describe: 'where uploads and training runs go' })
        .example('$0 serve', 'open http://127.0.0.1:8080 in a browser'),
    async (a) => {
      const args = a as unknown as { port: number; host: string; workDir: string };
      if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535)
        throw new DflsimInputError('--port', `expected a port from 0 to 65535, got ${args.port}`);
      const { startServer } = await import('../../serve/server.js');
      const server = await startServer({ port: args.port, host: args.host, workDir: args.workDir });
      const loopback = /^(127\.|\[::1\]|localhost)/.test(server.url.replace('http://', ''));
      out(`dflsim serve: listening on ${server.url} (${loopback ? 'loopback only' : 'reachable from the network'}); Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(() => {
            out('dflsim serve: stopped\n');
            resolve();
          });
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    },
  );
}
