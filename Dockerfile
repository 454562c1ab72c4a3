# uptop: the monitor, its GraphQL API and the `uptop` command, on Node.js 20.
# Build: docker build -t uptop .   Run: docker compose up -d (docker-compose.yml), or
#   docker run -d -p 8080:8080 -v uptop-data:/data -e UPTOP_ADMIN_USER=admin -e UPTOP_ADMIN_PASSWORD=... uptop

# Dependencies, with what better-sqlite3 needs to compile when no prebuilt binary fits the platform.
FROM node:20-slim AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The whole tree first: the postinstall generates both Prisma clients and the GraphQL documents and builds the web
# console (console/ with Vite, a dev tool), so the install needs the sources; the dev tools then go.
COPY . .
RUN npm ci && npm prune --omit=dev && npm cache clean --force

FROM node:20-slim
ENV NODE_ENV=production \
  DATABASE_URL=file:/data/uptop.db \
  UPTOP_HTTP_PORT=8080
WORKDIR /app
COPY --from=build /app /app
# What the checks use from the system, which the slim image lacks: the CA store HTTPS checks and alerts trust beside
# Node's roots (README), and the `ping` command PING checks run.
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates iputils-ping \
  && rm -rf /var/lib/apt/lists/*
# The database lives on the volume, owned by the unprivileged `node` user of the base image.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 8080
# Liveness through node (the slim image has no curl). With UPTOP_TLS_CERT set, /healthz is served over HTTPS instead.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.UPTOP_HTTP_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/uptop.js", "serve"]
