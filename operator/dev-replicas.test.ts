import * as k8s from '@kubernetes/client-node';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { execKubeconfig, REPLICA_CREDENTIALS_ENV } from './dev-replicas.js';

describe('the members\' kubeconfig of replicas told apart', () => {
  const saved = process.env[REPLICA_CREDENTIALS_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[REPLICA_CREDENTIALS_ENV];
    else process.env[REPLICA_CREDENTIALS_ENV] = saved;
  });

  it('authenticates each process with the token in its own credentials directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'longyun-replica-'));
    const ca = join(dir, 'ca.crt');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const text = execKubeconfig({ name: 'member-1', server: 'https://127.0.0.1:6443', caFile: ca });
    expect(text).not.toMatch(/token:/);
    const tokenFor = async (replica: string, token: string) => {
      mkdirAndWrite(join(dir, replica), token);
      process.env[REPLICA_CREDENTIALS_ENV] = join(dir, replica);
      const kc = new k8s.KubeConfig();
      kc.loadFromString(text);
      const opts: RequestOptions = { headers: {} };
      await kc.applyToHTTPSOptions(opts);
      return (opts.headers as Record<string, string>).Authorization;
    };
    expect(await tokenFor('a', 'token-of-a')).toBe('Bearer token-of-a');
    expect(await tokenFor('b', 'token-of-b')).toBe('Bearer token-of-b');
  });
});

function mkdirAndWrite(dir: string, token: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'member-1.json'), JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token, expirationTimestamp: new Date(Date.now() + 3_600_000).toISOString() } }));
}
