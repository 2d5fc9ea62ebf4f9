// Every HTTP route documents its input and every response, so /docs is the whole API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../support/server.ts';
import { knowledgeBaseExtension } from '../../knowledge-base/server-extension.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ server: { extensions: [knowledgeBaseExtension()] } });
});
afterAll(async () => stack?.close());

describe('OpenAPI document', () => {
  it('describes a success and an error response and a tag for every route', async () => {
    const spec = await (await fetch(`${stack.url}/docs/json`)).json();
    const problems: string[] = [];
    let routes = 0;
    for (const [path, methods] of Object.entries(spec.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(methods)) {
        routes++;
        const codes = Object.keys(op.responses ?? {});
        if (!codes.some((c) => c.startsWith('2'))) problems.push(`${method.toUpperCase()} ${path}: no 2xx response schema`);
        if (path.startsWith('/api/') && !codes.some((c) => c.startsWith('4') || c.startsWith('5'))) problems.push(`${method.toUpperCase()} ${path}: no error response schema`);
        if (!op.tags?.length) problems.push(`${method.toUpperCase()} ${path}: no tag`);
      }
    }
    expect(routes).toBeGreaterThan(60);
    expect(problems).toEqual([]);
  });
});
