// Bundles the CLI into dist/bundle/ (ESM, split at every dynamic import so that commands stay
// lazy). One file per chunk loads several times faster than hundreds of modules from
// node_modules: Ink and React import in ~150 ms instead of ~500 ms. Heavy engines (cdktf, Pulumi,
// the Kubernetes client) stay external and load from node_modules only when a command needs them.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  absWorkingDir: root,
  entryPoints: { longyun: 'cli/main.ts' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS dependencies (React) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __longyunRequire } from 'node:module'; const require = __longyunRequire(import.meta.url);" },
  define: { 'process.env.NODE_ENV': '"production"' },
  // Ink imports its devtools integration only when DEV=true; it is not installed.
  alias: { 'react-devtools-core': './scripts/no-devtools.mjs' },
  external: ['cdktf', 'constructs', '@cdktf/*', '@pulumi/*', '@kubernetes/client-node', 'prom-client'],
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  legalComments: 'none',
});
