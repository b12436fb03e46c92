# tierline: the router service. Build: docker build -t tierline .
FROM node:20-bookworm-slim AS deps
WORKDIR /app
# hnswlib-node compiles a native addon.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund --allow-scripts=hnswlib-node,esbuild,protobufjs

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production PORT=8787 TIERLINE_DATA_DIR=/data
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json tierline.config.json ./
COPY src ./src
COPY migrations ./migrations
COPY exemplars ./exemplars
COPY models ./models
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8787
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8787)+'/readyz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "--import", "tsx", "src/main.ts"]
