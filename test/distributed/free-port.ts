// A TCP port free on loopback now, for a test's rendezvous (the OS picks it; the test binds it soon after).
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    }).once('error', reject);
  });
}
