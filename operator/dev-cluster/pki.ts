// Certificates and tokens for the local control plane, made with openssl: one CA, one serving
// certificate for 127.0.0.1/localhost (every API server listens there, on its own port), and a
// service-account key pair. Static bearer tokens per cluster: an admin in system:masters and a
// least-privilege user with no group beyond system:authenticated.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LongyunError } from '../../topology/errors.js';

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') throw new LongyunError('openssl is needed to make the certificates of the local control plane; install it (Debian: apt-get install openssl)');
    throw new LongyunError(`openssl ${args[0]} failed: ${err.stderr?.toString().trim() || err.message}`);
  }
}

/** Creates the CA, the serving certificate (SAN IP:127.0.0.1, DNS:localhost) and the service-account keys in `dir`. */
export function createPki(dir: string): Pki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const p: Pki = {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: join(dir, 'serving.crt'),
    servingKey: join(dir, 'serving.key'),
    serviceAccountKey: join(dir, 'service-account.key'),
    serviceAccountPub: join(dir, 'service-account.pub'),
  };
  const days = '3650';
  openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p.caKey, '-out', p.caCert, '-days', days, '-subj', '/CN=longyun-dev-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
  const csr = join(dir, 'serving.csr');
  const ext = join(dir, 'serving.ext');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p.servingKey, '-out', csr, '-subj', '/CN=kube-apiserver'], dir);
  writeFileSync(
    ext,
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n',
  );
  openssl(['x509', '-req', '-in', csr, '-CA', p.caCert, '-CAkey', p.caKey, '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', days, '-extfile', ext, '-out', p.servingCert], dir);
  rmSync(csr);
  rmSync(ext);
  openssl(['genrsa', '-out', p.serviceAccountKey, '2048'], dir);
  openssl(['rsa', '-in', p.serviceAccountKey, '-pubout', '-out', p.serviceAccountPub], dir);
  for (const key of [p.caKey, p.servingKey, p.serviceAccountKey]) chmodSync(key, 0o600);
  return p;
}

/** The users of each cluster's `--token-auth-file`. */
export const ADMIN_USER = 'longyun-admin';
export const RESTRICTED_USER = 'longyun-restricted';

export interface ClusterTokens {
  /** Bearer token of `longyun-admin`, in group system:masters. */
  admin: string;
  /** Bearer token of `longyun-restricted`: authenticated, no other group and no RBAC binding (for least-privilege tests). */
  restricted: string;
}

export function newTokens(): ClusterTokens {
  return { admin: randomBytes(24).toString('hex'), restricted: randomBytes(24).toString('hex') };
}

/** Writes a `--token-auth-file` (token,user,uid,"groups"), readable by the owner only. */
export function writeTokenFile(file: string, tokens: ClusterTokens): void {
  writeFileSync(file, `${tokens.admin},${ADMIN_USER},${ADMIN_USER},"system:masters"\n${tokens.restricted},${RESTRICTED_USER},${RESTRICTED_USER}\n`, { mode: 0o600 });
}

export interface KubeconfigInput {
  cluster: string;
  server: string;
  caFile: string;
  user: string;
  token: string;
}

/** A kubeconfig with the CA embedded, one cluster, one user (bearer token) and one context named after the cluster. */
export function kubeconfigYaml({ cluster, server, caFile, user, token }: KubeconfigInput): string {
  const ca = readFileSync(caFile).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${cluster}`,
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${ca}`,
    'users:',
    `- name: ${user}@${cluster}`,
    '  user:',
    `    token: ${token}`,
    'contexts:',
    `- name: ${cluster}`,
    '  context:',
    `    cluster: ${cluster}`,
    `    user: ${user}@${cluster}`,
    `current-context: ${cluster}`,
    'preferences: {}',
    '',
  ].join('\n');
}
