import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inClusterConfig, InClusterConfigError, inClusterKubeConfig, inClusterServer, SERVICEACCOUNT_DIR, SERVICEACCOUNT_DIR_ENV } from './in-cluster.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('inClusterServer', () => {
  it('is https on the service host and port, an IPv6 host in brackets (never plain http, whatever the port)', () => {
    expect(inClusterServer({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' })).toBe('https://10.96.0.1:443');
    expect(inClusterServer({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' })).toBe('https://[fd00::1]:443');
    expect(inClusterServer({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '8080' })).toBe('https://127.0.0.1:8080');
  });

  it('names the missing variables and the fix', () => {
    expect(() => inClusterServer({})).toThrow(
      '--in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set, so this is not a pod\'s environment: run it in a pod (the Deployment of "longyun operator manifests"), or use --kubeconfig FILE instead of --in-cluster',
    );
    expect(() => inClusterServer({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: ' ' })).toThrow(/--in-cluster: KUBERNETES_SERVICE_PORT is not set/);
    expect(() => inClusterServer({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: 'https' })).toThrow('--in-cluster: KUBERNETES_SERVICE_PORT must be a port number (1-65535), got "https"');
    expect(() => inClusterServer({ KUBERNETES_SERVICE_PORT: '443' })).toThrow(InClusterConfigError);
  });
});

describe('inClusterConfig', () => {
  let dir: string;
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '6443', [SERVICEACCOUNT_DIR_ENV]: dir, ...extra });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'longyun-sa-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the ServiceAccount directory: token and CA files, the namespace', () => {
    writeFileSync(join(dir, 'token'), 'eyJhbGciOi.x.y');
    writeFileSync(join(dir, 'ca.crt'), CA);
    writeFileSync(join(dir, 'namespace'), 'ops-longyun');
    expect(inClusterConfig(env())).toEqual({ server: 'https://127.0.0.1:6443', dir, tokenFile: join(dir, 'token'), caFile: join(dir, 'ca.crt'), namespace: 'ops-longyun' });
  });

  it('without a namespace file, leaves the namespace to --namespace or the default', () => {
    writeFileSync(join(dir, 'token'), 't');
    writeFileSync(join(dir, 'ca.crt'), CA);
    expect(inClusterConfig(env()).namespace).toBeUndefined();
  });

  it('reads the kubelet\'s directory unless LONGYUN_SERVICEACCOUNT_DIR says otherwise, and says so when it is missing', () => {
    expect(SERVICEACCOUNT_DIR).toBe('/var/run/secrets/kubernetes.io/serviceaccount');
    const e = env();
    delete e[SERVICEACCOUNT_DIR_ENV];
    const absent = join(dir, 'var/run/secrets/kubernetes.io/serviceaccount');
    expect(() => inClusterConfig(e, absent)).toThrow(
      `--in-cluster: the ServiceAccount directory ${absent} (set LONGYUN_SERVICEACCOUNT_DIR to read another directory) does not exist: the pod mounts no ServiceAccount token (automountServiceAccountToken: false?); mount one, point LONGYUN_SERVICEACCOUNT_DIR at a directory holding token, ca.crt and namespace, or use --kubeconfig FILE`,
    );
    expect(() => inClusterConfig(env({ [SERVICEACCOUNT_DIR_ENV]: join(dir, 'nope') }))).toThrow(`the ServiceAccount directory ${join(dir, 'nope')} (from LONGYUN_SERVICEACCOUNT_DIR) does not exist`);
  });

  it('checks the env before the files', () => {
    expect(() => inClusterConfig({ [SERVICEACCOUNT_DIR_ENV]: dir })).toThrow(/KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set/);
  });

  it('names every missing or bad file at once, with what it is', () => {
    writeFileSync(join(dir, 'namespace'), '');
    expect(() => inClusterConfig(env())).toThrow(
      `--in-cluster: the ServiceAccount directory ${dir} (from LONGYUN_SERVICEACCOUNT_DIR) is incomplete: ${join(dir, 'token')} is missing (the ServiceAccount's bearer token); ${join(dir, 'ca.crt')} is missing (the CA of the API server's certificate); ${join(dir, 'namespace')} is empty (the pod's namespace). A pod gets these files from its ServiceAccount; elsewhere, put them there or use --kubeconfig FILE`,
    );
    writeFileSync(join(dir, 'token'), 'abc\n');
    writeFileSync(join(dir, 'ca.crt'), 'not a certificate');
    writeFileSync(join(dir, 'namespace'), 'Not_A_Namespace');
    let message = '';
    try {
      inClusterConfig(env());
    } catch (e) {
      expect(e).toBeInstanceOf(InClusterConfigError);
      message = (e as Error).message;
    }
    expect(message).toContain(`${join(dir, 'token')} has whitespace around the token (a trailing newline?): write it without, e.g. printf %s "$TOKEN" > ${join(dir, 'token')}`);
    expect(message).toContain(`${join(dir, 'ca.crt')} holds no PEM certificate`);
    expect(message).toContain(`${join(dir, 'namespace')} holds "Not_A_Namespace", not a namespace name`);
  });

  it('a directory where a file should be', () => {
    mkdirSync(join(dir, 'token'));
    writeFileSync(join(dir, 'ca.crt'), CA);
    expect(() => inClusterConfig(env())).toThrow(`${join(dir, 'token')} is not a file (the ServiceAccount's bearer token)`);
  });
});

describe('inClusterKubeConfig', () => {
  it('verifies the server against ca.crt and sends the token file\'s token as a bearer token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'longyun-sa-'));
    try {
      writeFileSync(join(dir, 'token'), 'first');
      writeFileSync(join(dir, 'ca.crt'), CA);
      const kc = inClusterKubeConfig({ server: 'https://127.0.0.1:6443', dir, tokenFile: join(dir, 'token'), caFile: join(dir, 'ca.crt') });
      expect(kc.getCurrentCluster()).toMatchObject({ server: 'https://127.0.0.1:6443', caFile: join(dir, 'ca.crt'), skipTLSVerify: false });
      const opts: { headers?: Record<string, string>; ca?: Buffer } = {};
      await kc.applyToHTTPSOptions(opts);
      expect(opts.headers?.Authorization).toBe('Bearer first');
      expect(opts.ca?.toString()).toBe(CA);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
