// The one error handler: every failure leaves as {error: {code, message}}, with a refusal's reason and params where
// it has them (errors.ts), for the console to word it in its language.
import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, refusalBody } from '../errors.ts';

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      return reply.status(error.statusCode).send({ error: refusalBody(error) });
    }
    const fe = error as FastifyError;
    if (fe.validation) {
      return reply.status(400).send({ error: { code: 'validation', message: fe.message } });
    }
    if (fe.statusCode === 413) {
      return reply.status(413).send({ error: { code: 'too_large', message: 'The request body is too large.' } });
    }
    if (fe.statusCode === 429) {
      return reply.status(429).send({ error: { code: 'rate_limited', message: fe.message || 'Too many requests; slow down.' } });
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send({ error: { code: fe.code?.toLowerCase() ?? 'bad_request', message: fe.message } });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ error: { code: 'internal', message: 'Something went wrong on our side; please try again.' } });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: { code: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}.` } });
  });
}
