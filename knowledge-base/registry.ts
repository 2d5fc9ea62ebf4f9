// Which brain serves which server: the knowledge-base extension registers its
// host here, the admin and assist routes (registered for every server) look it
// up per request. A server started without the extension answers 503.
import type { AppContext } from '../server/context.ts';
import { AppError } from '../server/errors.ts';
import type { BrainHost } from './brain.ts';

const hosts = new WeakMap<AppContext, BrainHost>();

export function registerBrain(ctx: AppContext, host: BrainHost): void {
  hosts.set(ctx, host);
}

export function findBrain(ctx: AppContext): BrainHost | undefined {
  const host = hosts.get(ctx);
  return host?.loaded ? host : undefined;
}

export function brainOf(ctx: AppContext): BrainHost {
  const host = findBrain(ctx);
  if (!host) throw new AppError(503, 'kb_unavailable', 'The knowledge-base brain is not running on this server.');
  return host;
}
