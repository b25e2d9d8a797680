// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: the holder renews
// every retry period; another candidate takes over once the lease has not been renewed for its
// duration. The decision is pure; `LeaderElector` does the I/O with optimistic concurrency
// (a replace carries the resourceVersion it read, so two candidates cannot both win).
import * as k8s from '@kubernetes/client-node';

export interface LeaseView {
  holder?: string;
  /** ms since epoch of the last renewal. */
  renewTime?: number;
  durationSeconds?: number;
  transitions?: number;
}

export type LeaseDecision =
  | { action: 'renew' }
  | { action: 'acquire'; transitions: number }
  | { action: 'wait'; holder: string; expiresAt: number };

export function decideLease(lease: LeaseView | undefined, identity: string, now: number, durationSeconds: number): LeaseDecision {
  if (!lease || !lease.holder) return { action: 'acquire', transitions: (lease?.transitions ?? -1) + 1 };
  if (lease.holder === identity) return { action: 'renew' };
  const expiresAt = (lease.renewTime ?? 0) + (lease.durationSeconds ?? durationSeconds) * 1000;
  if (now >= expiresAt) return { action: 'acquire', transitions: (lease.transitions ?? 0) + 1 };
  return { action: 'wait', holder: lease.holder, expiresAt };
}

export interface LeaderElectorOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  retryPeriodMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  log?: (message: string) => void;
}

const micro = (ms: number) => new k8s.V1MicroTime(ms);

export class LeaderElector {
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private observed: string | undefined;
  private stopped = false;
  private readonly api: k8s.CoordinationV1Api;
  private readonly duration: number;
  private readonly retry: number;

  constructor(
    kubeConfig: k8s.KubeConfig,
    private readonly opts: LeaderElectorOptions,
  ) {
    this.api = kubeConfig.makeApiClient(k8s.CoordinationV1Api);
    this.duration = opts.leaseDurationSeconds ?? 15;
    this.retry = opts.retryPeriodMs ?? 2000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The holder of the lease as last read or written (client-go's GetLeader); undefined before the first read. */
  get leader(): string | undefined {
    return this.observed;
  }

  private observe(holder: string | undefined): void {
    if (holder === this.observed) return;
    this.observed = holder;
    if (holder !== undefined && holder !== this.opts.identity) this.opts.log?.(`the leader is ${holder}`);
  }

  start(): void {
    void this.tick();
  }

  /** Stops competing; a leader releases the lease so that another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.leading) {
      try {
        const lease = await this.api.readNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace });
        if (lease.spec?.holderIdentity === this.opts.identity) {
          lease.spec.holderIdentity = undefined;
          lease.spec.renewTime = micro(0);
          await this.api.replaceNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace, body: lease });
        }
      } catch {
        // the lease will expire on its own
      }
      this.setLeading(false);
    }
  }

  private setLeading(value: boolean): void {
    if (value === this.leading) return;
    this.leading = value;
    this.opts.log?.(value ? `became leader (${this.opts.identity})` : `stopped leading (${this.opts.identity})`);
    if (value) this.opts.onStartedLeading();
    else this.opts.onStoppedLeading();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.tryAcquireOrRenew();
    } catch (e) {
      // Could not renew: after the lease duration without a renewal we must assume we lost it.
      this.opts.log?.(`lease ${this.opts.namespace}/${this.opts.name}: ${(e as Error).message}`);
      if (this.leading && Date.now() - this.lastRenew > this.duration * 1000) this.setLeading(false);
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.retry);
  }

  private lastRenew = 0;

  private async tryAcquireOrRenew(): Promise<void> {
    const { name, namespace, identity } = this.opts;
    let lease: k8s.V1Lease | undefined;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
    }
    const now = Date.now();
    const view: LeaseView | undefined = lease?.spec
      ? {
          holder: lease.spec.holderIdentity ?? undefined,
          renewTime: lease.spec.renewTime ? new Date(lease.spec.renewTime as unknown as string).getTime() : undefined,
          durationSeconds: lease.spec.leaseDurationSeconds ?? undefined,
          transitions: lease.spec.leaseTransitions ?? undefined,
        }
      : undefined;
    const d = decideLease(view, identity, now, this.duration);
    if (d.action === 'wait') {
      this.observe(d.holder);
      this.setLeading(false);
      return;
    }
    const spec: k8s.V1LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: this.duration,
      renewTime: micro(now),
      acquireTime: d.action === 'acquire' ? micro(now) : (lease?.spec?.acquireTime ?? micro(now)),
      leaseTransitions: d.action === 'acquire' ? d.transitions : (lease?.spec?.leaseTransitions ?? 0),
    };
    if (!lease) {
      await this.api.createNamespacedLease({ namespace, body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec } });
    } else {
      // The resourceVersion we read makes this a compare-and-swap: a 409 means someone else won.
      await this.api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec } });
    }
    this.lastRenew = now;
    this.observe(identity);
    this.setLeading(true);
  }
}
