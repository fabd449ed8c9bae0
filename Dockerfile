# One build for both images (from the repository root):
#   docker build --target server  -t rfid-attendance/server .
#   docker build --target gateway -t rfid-attendance/gateway .
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.base.json ./
COPY protocol/package.json protocol/
COPY firmware-sim/package.json firmware-sim/
COPY provider-sim/package.json provider-sim/
COPY gateway/package.json gateway/
COPY server/package.json server/
COPY web/package.json web/
COPY bench/package.json bench/
COPY demo/package.json demo/
RUN npm ci --no-audit --no-fund
COPY protocol protocol
COPY gateway gateway
COPY server server
COPY web web
RUN npx tsc -b gateway server && npx vite build web && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app /app
USER node

FROM runtime AS server
EXPOSE 3000 1883
CMD ["node", "server/dist/main.js"]

FROM runtime AS gateway
CMD ["sh", "-c", "node gateway/dist/cli.js run --config \"$GATEWAY_CONFIG\""]
