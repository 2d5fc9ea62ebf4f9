// What the JSON logs (the server's Fastify logger and the workers', both pino) must never write. ioredis puts the
// command that failed on its errors (`err.command = { name, args }`), and pino's error serializer copies it: a Redis
// that refuses AUTH or HELLO (a password rotated under a running deployment) wrote the password into every warning,
// many times a second. Only the command's name is kept.
export const LOG_REDACTION = {
  paths: ['err.command.args', 'error.command.args', 'err.previousErrors[*].command.args'],
  censor: '[redacted]',
};
