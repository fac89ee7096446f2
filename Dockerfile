# syntax=docker/dockerfile:1
# Build stage: all dependencies, compile the gateway, build the bundled plugins, then drop
# the dev dependencies so the runtime stage copies only what the server needs.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-grpcio python3-grpc-tools python3-protobuf \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

# Runtime stage: non-root, only runtime files, Python for the bundled Python gRPC plugin,
# prlimit (util-linux) for gRPC plugins' memory caps, tini as init.
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-grpcio python3-protobuf util-linux tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    MODGATE_DATA_DIR=/data \
    MODGATE_PLUGINS_DIR=/app/plugins
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/proto ./proto
COPY --from=build /app/sdk ./sdk
COPY --from=build /app/plugins ./plugins
COPY --from=build /app/templates ./templates
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form throughout: tini (PID 1) forwards SIGTERM to node for the graceful drain and reaps
# any orphaned plugin grandchildren.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/cli/main.js", "serve"]
