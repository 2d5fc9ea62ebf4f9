# Node 22 LTS: Node 20 left support in April 2026, and fastify's cookie parser (cookie@2) declares node >= 22
# (it runs on 20 too; package.json's engines keeps the oldest version the tests pass on).
FROM node:22-bookworm-slim
ENV NODE_ENV=production
# The app runs as the image's unprivileged `node` user. /models is created here, owned by it, so that a new named
# volume mounted there (docker compose's `models`) starts out writable for `npm run model:download`.
RUN mkdir -p /app /models && chown node:node /app /models
WORKDIR /app
USER node
COPY --chown=node:node package.json package-lock.json ./
# tsx runs the TypeScript sources directly, and esbuild builds the browser bundles, so dev dependencies are needed.
# `npm install` rather than `npm ci`: the lock file lists only the optional native packages of the platform it was made on.
RUN npm install --include=dev --no-audit --no-fund
# Owned by `node` as well: the server rebuilds a browser bundle on start when its sources are newer (server/bundles.ts).
COPY --chown=node:node . .
RUN npm run build
EXPOSE 3000
# Node itself as PID 1 (tsx as its loader, Node 20.6 or later): it gets docker's SIGTERM and stops gracefully. Through
# npx, npm would be PID 1 and die of the signal without passing it on (the server would be killed, not stopped).
CMD ["node", "--import", "tsx", "server/main.ts"]
