import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createEmulator, type Emulator, type EmulatorOptions } from './create-emulator.js';

export interface RunningEmulator extends Emulator {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Listens again on the same port after stop(), keeping all state (for outage tests). */
  restart(): Promise<void>;
}

export interface ListenOptions {
  /** 0 (the default) = any free port. */
  port?: number;
  host?: string;
  /** What the user sets to choose the port, named when it is taken (e.g. WECHAT_EMULATOR_PORT). */
  portSetting?: string;
}

/** Starts the emulator on a port and returns its URL and a stop function. */
export async function startEmulator(options: EmulatorOptions & ListenOptions = {}): Promise<RunningEmulator> {
  const emulator = createEmulator(options);
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const server: Server = createServer(emulator.app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE') return reject(error);
      const setting = options.portSetting ?? 'the port';
      reject(new Error(`the WeChat emulator cannot listen on ${host}:${options.port}: the port is in use; set ${setting} to a free port (0 picks one)`));
    });
    server.listen(options.port ?? 0, host, () => resolve());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    ...emulator,
    url: `http://${host}:${port}`,
    port,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async restart() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
    },
  };
}
