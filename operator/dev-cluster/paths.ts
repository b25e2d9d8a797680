// Where the local control plane keeps its binaries (built once by scripts/local-control-plane/build.sh)
// and its state (certificates, etcd data, logs, pid files, kubeconfigs, state.json).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LongyunError } from '../../topology/errors.js';

/** The Kubernetes version that build.sh builds and caches. */
export const KUBERNETES_VERSION = '1.20.2';

/** The script that builds and caches the binaries, relative to the repository root. */
export const BUILD_SCRIPT = 'scripts/local-control-plane/build.sh';

/** `${LONGYUN_CACHE:-$HOME/.cache/longyun}`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.LONGYUN_CACHE || join(env.HOME || homedir(), '.cache', 'longyun');
}

/** `${LONGYUN_CACHE:-$HOME/.cache/longyun}/k8s/1.20.2/bin`. */
export function defaultBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'k8s', KUBERNETES_VERSION, 'bin');
}

/** `${LONGYUN_STATE:-$HOME/.local/state/longyun}/dev`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.LONGYUN_STATE || join(env.HOME || homedir(), '.local', 'state', 'longyun'), 'dev');
}

export interface Binaries {
  binDir: string;
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  /** kubectl as recorded by build.sh (Debian's kubernetes-client, or the machine's), or null. */
  kubectl: string | null;
}

/** The cached binaries are missing or incomplete: the message says how to build them. */
export class BinariesMissingError extends LongyunError {
  override name = 'BinariesMissingError';
  constructor(
    readonly binDir: string,
    readonly missing: string[],
  ) {
    super(
      `the local control plane's binaries are not built (missing in ${binDir}: ${missing.join(', ')}); ` +
        `run ${BUILD_SCRIPT} once (8–10 minutes on 2 cores; later runs take under a second)`,
    );
  }
}

/** The cached binaries, checked to exist; throws BinariesMissingError naming build.sh otherwise. */
export function findBinaries(binDir: string = defaultBinDir()): Binaries {
  const path = (name: string) => join(binDir, name);
  const missing = ['etcd', 'kube-apiserver', 'kube-controller-manager'].filter((b) => !existsSync(path(b)));
  const manifest = join(binDir, '..', 'manifest.json');
  if (!existsSync(manifest)) missing.push('../manifest.json');
  if (missing.length > 0) throw new BinariesMissingError(binDir, missing);
  // bin/kubectl is Debian's kubectl 1.20.2, or a link to the machine's; else what manifest.json recorded.
  let kubectl: string | null = existsSync(path('kubectl')) ? path('kubectl') : null;
  if (kubectl === null) {
    try {
      const recorded = (JSON.parse(readFileSync(manifest, 'utf8')) as { kubectl?: { path?: string } | null }).kubectl?.path;
      if (recorded && existsSync(recorded)) kubectl = recorded;
    } catch {
      // An unreadable manifest only loses kubectl; the servers are checked above.
    }
  }
  return {
    binDir,
    etcd: path('etcd'),
    kubeApiserver: path('kube-apiserver'),
    kubeControllerManager: path('kube-controller-manager'),
    kubectl,
  };
}
