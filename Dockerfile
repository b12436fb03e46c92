# tierline: the router service. Build: docker build -t tierline .
# Run:   docker run -p 8787:8787 -v tierline-data:/data -e TIERLINE_ADMIN_TOKEN=… tierline
FROM node:20-bookworm-slim AS build
WORKDIR /app
# hnswlib-node compiles a native addon.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.build.json ./
# The postinstall script patches the PostgreSQL driver; the typed client is a workspace the CLI imports.
COPY scripts/patch-postgres.mjs ./scripts/
COPY packages/client ./packages/client
COPY src ./src
# npm ci runs the prepare script (tsc -> dist/); the dev dependencies it needed are then dropped.
# Which dependencies may run install scripts is package.json's allowScripts (npm 11) and .npmrc.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production PORT=8787 TIERLINE_DATA_DIR=/data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# node_modules/@tierline/client links here (the CLI's client).
COPY --from=build /app/packages/client/package.json ./packages/client/
COPY --from=build /app/packages/client/dist ./packages/client/dist
COPY package.json tierline.config.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY exemplars ./exemplars
COPY models ./models
# Served by /console and /docs (the compiled module finds them by walking up to src/http/console/assets).
COPY src/http/console/assets ./src/http/console/assets
RUN mkdir -p /data && chown node:node /data
# PGlite (when DATABASE_URL is unset), the converted model and the index snapshot live here.
VOLUME /data
USER node
EXPOSE 8787
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8787)+'/readyz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# node itself, not npm or a shell: SIGTERM from `docker stop` reaches the server, which drains
# (readiness 503, Connection: close) and exits 0 within drainMs + timeoutMs (20 s; docker stop -t 30).
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
