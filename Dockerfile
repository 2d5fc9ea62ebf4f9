FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# tsx runs the TypeScript sources directly, and esbuild builds the browser bundles, so dev dependencies are needed.
# `npm install` rather than `npm ci`: the lock file lists only the optional native packages of the platform it was made on.
RUN npm install --include=dev --no-audit --no-fund
COPY . .
RUN npm run build
EXPOSE 3000
CMD ["npx", "tsx", "server/main.ts"]
