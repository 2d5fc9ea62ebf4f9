// Plugs the knowledge-base brain into a server (createServer's `extensions`):
// loads the stored model and the retrieval index from Postgres, becomes the
// bot responder, follows hot-reload announcements on Redis pub/sub, and adds
// the public help pages. The admin and assist routes find it via registry.ts.
import type { AppContext } from '../server/context.ts';
import type { App } from '../server/http/types.ts';
import { BrainHost } from './brain.ts';
import { registerBrain } from './registry.ts';
import { subscribeReload } from './reload-channel.ts';
import { resolveSentenceEncoder } from './sentence-encoder.ts';
import { helpRoutes } from './help-routes.ts';
import { prepareKnowledgeBase } from './startup.ts';
import type { Thresholds } from './policy.ts';
import type { SentenceEncoderState } from './brain.ts';

export interface KnowledgeBaseExtensionOptions {
  /** Overrides the encoder choice (tests pass a generated tiny model). */
  sentenceEncoder?: SentenceEncoderState;
  thresholds?: Partial<Thresholds>;
  /** Seed / index / train what is missing before loading (tests; main.ts does this itself before the server starts). */
  prepare?: { seed: boolean };
}

export function knowledgeBaseExtension(options: KnowledgeBaseExtensionOptions = {}) {
  return async (ctx: AppContext): Promise<(app: App) => Promise<void>> => {
    if (options.prepare) await prepareKnowledgeBase(ctx.sql, ctx.config, (line) => ctx.log.info(line), options.prepare);
    const sentence = options.sentenceEncoder ?? (await resolveSentenceEncoder(ctx.config, (line) => ctx.log.info(line)));
    const host = new BrainHost(ctx.sql, ctx.config, ctx.log, sentence, (responder) => {
      ctx.responder.current = responder;
    }, options.thresholds);
    await host.reload();
    registerBrain(ctx, host);
    const s = host.snapshot;
    ctx.log.info(
      `knowledge base: encoder ${host.encoderName} (${sentence.reason}); intent model ${s.modelVersion ? `v${s.modelVersion}` : 'none yet'}; ` +
        `${s.index.articleCount} published articles in ${s.index.size} sections; ${s.productsCount} products`,
    );

    const unsubscribe = await subscribeReload(ctx.redis, ctx.config, (message) => {
      const what = message.kind === 'index' ? { index: true } : message.kind === 'products' ? { products: true } : { model: true };
      host.reload(what).then(
        () => ctx.log.info(`knowledge base reloaded (${message.kind}${message.version !== undefined ? ` ${message.version}` : ''}): encoder ${host.encoderName}, model v${host.snapshot.modelVersion ?? '-'}`),
        () => {}, // logged by the host
      );
    }, () => {
      // Back after a Redis drop: a model, index or catalogue announced meanwhile was missed, so everything is reloaded
      // (awaited: drops during this reload then cause one more, not one each; subscribeReload coalesces them).
      return host.reload().then(
        () => ctx.log.info(`knowledge base reloaded after the reload channel reconnected: model v${host.snapshot.modelVersion ?? '-'}`),
        () => {}, // logged by the host
      );
    });
    ctx.onClose(unsubscribe);
    return helpRoutes(ctx);
  };
}
