# syntax=docker/dockerfile:1
# The Sluice image: built with the full toolchain, run with production dependencies only, as a
# non-root user, writing nothing outside /tmp (so a read-only root file system works).
#
#   docker build -t REGISTRY/sluice:0.1.0 .
#   docker run --rm -p 8080:8080 -p 9901:9901 REGISTRY/sluice:0.1.0          # the quickstart
#   docker run --rm --read-only --tmpfs /tmp REGISTRY/sluice:0.1.0 run -f /config --host 0.0.0.0 ...
#
# In Kubernetes the Helm chart (deploy/helm/sluice) passes `controller` or `run` arguments.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: compile TypeScript, then lay out the runtime tree in /out ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first, so source edits reuse this layer. --ignore-scripts: `prepare` (the build) needs
# the sources, which are copied below.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY cli ./cli
COPY simulator ./simulator
COPY src ./src
COPY examples ./examples
RUN npm run build
# Production dependencies only (no native addons, so no install scripts are needed), the compiled
# code, the quickstart (`sluice run` with no -f), the Envoy protos `sluice epp` loads at run time
# and the dashboard's static files when present.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && mkdir -p /out/src/admin /out/src/extproc \
 && cp -r package.json package-lock.json bin dist examples node_modules /out/ \
 && cp -r src/extproc/proto /out/src/extproc/ \
 && if [ -d src/admin/dashboard ]; then cp -r src/admin/dashboard /out/src/admin/; fi

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOME=/tmp
WORKDIR /app
# Owned by root and not writable by the process.
COPY --from=build /out/ /app/
# A numeric user, so Kubernetes' runAsNonRoot can verify it (the chart runs as 10001 too).
USER 10001:10001
# 8080: the quickstart's listener; 9901: admin (/healthz /readyz /metrics /api/status).
EXPOSE 8080 9901
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "require('node:http').get('http://127.0.0.1:9901/healthz', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/sluice.js"]
CMD ["run", "--host", "0.0.0.0", "--admin-host", "0.0.0.0"]
