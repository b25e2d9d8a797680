import { LongyunError } from '../../topology/errors.js';

/** What went wrong starting, reading or stopping the local control plane, with the fix. */
export class DevClusterError extends LongyunError {
  override name = 'DevClusterError';
}
