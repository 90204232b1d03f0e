import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createEmulator, type Emulator, type EmulatorOptions } from './create-emulator.js';

export interface RunningEmulator extends Emulator {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Listens again on the same port after stop(), keeping all state (for outage tests). */
  restart(): Promise<void>;
}

/** Starts the emulator on a port (0 = any free port) and returns its URL and a stop function. */
export async function startEmulator(options: EmulatorOptions & { port?: number; host?: string } = {}): Promise<RunningEmulator> {
  const emulator = createEmulator(options);
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const server: Server = await new Promise((resolve, reject) => {
    const listening = emulator.app.listen(options.port ?? 0, host, () => resolve(listening));
    listening.once('error', reject);
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
