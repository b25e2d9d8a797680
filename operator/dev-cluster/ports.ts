// Free TCP ports on 127.0.0.1 for the local control plane's servers.
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { DevClusterError } from './errors.js';

/** The kernel's ephemeral port range (outgoing connections take their local port from it). */
function ephemeralPortRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo && hi && lo <= hi) return [lo, hi];
  } catch {
    // not Linux
  }
  return [32768, 60999];
}

function canListen(port: number): Promise<Server | null> {
  return new Promise((res) => {
    const s = createServer();
    s.unref();
    s.once('error', () => res(null));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => res(s));
  });
}

/**
 * `count` distinct free TCP ports on 127.0.0.1, outside the ephemeral range: the servers bind them
 * seconds later (a controller-manager only once its API server is ready), and in between the API
 * servers' own connections to etcd could otherwise be given one of them as their local port.
 */
export async function freePorts(count: number): Promise<number[]> {
  const [lo, hi] = ephemeralPortRange();
  const ranges: [number, number][] = [];
  if (lo - 1 >= 10_000) ranges.push([10_000, lo - 1]);
  if (hi + 1 <= 65_535 - 1_000) ranges.push([hi + 1, 65_535]);
  if (ranges.length === 0) ranges.push([1_024, 65_535]);
  const size = ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
  const pick = () => {
    let i = Math.floor(Math.random() * size);
    for (const [a, b] of ranges) {
      if (i <= b - a) return a + i;
      i -= b - a + 1;
    }
    return ranges[0]![0];
  };
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    for (let attempts = 0; ports.length < count; attempts++) {
      if (attempts > 200 * count) throw new DevClusterError(`could not find ${count} free ports on 127.0.0.1`);
      const port = pick();
      if (ports.includes(port)) continue;
      const s = await canListen(port);
      if (s) {
        held.push(s);
        ports.push(port);
      }
    }
    return ports;
  } finally {
    await Promise.all(held.map((s) => new Promise<void>((res) => s.close(() => res()))));
  }
}
