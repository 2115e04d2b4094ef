# channelcast: the bot (poller, worker, http) with Debian's Chromium for whatsapp-web.js.
#   docker build -t channelcast .
#   docker run --env-file .env -v channelcast-data:/app/data -p 127.0.0.1:8080:8080 channelcast
# Needs a Redis (REDIS_URL); docker-compose.yml brings one. HTTP_HOST is 0.0.0.0 here, so the bot
# refuses to start without ADMIN_TOKEN (16+ characters). Give it ≥ 30 s to stop (docker stop -t 30,
# compose stop_grace_period): SIGTERM drains the post in hand, with a 25 s deadline.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: compile TypeScript, then keep only production dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# whatsapp-web.js pulls in puppeteer: never let its install step download a browser (.puppeteerrc.cjs too).
ENV PUPPETEER_SKIP_DOWNLOAD=true
COPY package.json package-lock.json .puppeteerrc.cjs ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
# Chromium, fonts for Urdu (Nastaliq, Naskh) and emoji, CA certificates and dumb-init; apt lists removed.
COPY scripts/setup-system.sh /tmp/setup-system.sh
RUN bash /tmp/setup-system.sh --slim && rm /tmp/setup-system.sh

ENV NODE_ENV=production \
    PUPPETEER_SKIP_DOWNLOAD=true \
    PUPPETEER_EXECUTABLE_PATH=/usr/bin/chromium \
    CHROME_PATH=/usr/bin/chromium \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072

WORKDIR /app
# Code and dependencies stay root-owned (read-only for the bot); only /app/data is the bot's to write.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config ./config
# data/: the WhatsApp session (data/whatsapp, keep it: losing it means scanning the QR again) and
# dry-run files. Created owned by node (uid 1000) so a new named volume inherits that owner; a bind
# mount must be writable by uid 1000.
RUN mkdir -p /app/data/whatsapp && chown -R node:node /app/data
VOLUME ["/app/data"]

USER node
EXPOSE 8080
# Liveness only (/readyz says whether WhatsApp is linked). Roles without http: disable it (compose does).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# dumb-init as PID 1: forwards SIGTERM/SIGINT to node and reaps Chromium's orphaned children.
ENTRYPOINT ["dumb-init", "--"]
# The node flags of scripts/node-flags.json (what npm start uses): a small young generation keeps the idle bot lean.
CMD ["node", "--max-semi-space-size=1", "--heap-growing-percent=10", "--no-sparkplug", "dist/main.js", "start"]
