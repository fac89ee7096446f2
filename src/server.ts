// config -> app -> listen, and a graceful shutdown on SIGTERM/SIGINT: stop accepting
// connections, let in-flight calls finish (plugins drain), stop every plugin.
import closeWithGrace from 'close-with-grace';
import { buildApp, type AppOptions } from './app.js';

export async function startServer(options: AppOptions = {}): Promise<void> {
  const app = await buildApp(options);
  const { port, host, drainTimeoutMs } = app.gateway.config;
  closeWithGrace({ delay: drainTimeoutMs + 5_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an uncaught error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });
  await app.listen({ port, host });
  await app.gateway.started;
  const plugins = app.gateway.manager.registry.list();
  app.log.info(
    { ready: plugins.filter((p) => p.state === 'ready').map((p) => p.name), failed: plugins.filter((p) => p.state === 'failed').map((p) => p.name) },
    'plugins loaded',
  );
}
