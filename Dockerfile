# Beacon in a container. Build: docker build -t beacon .
# Run:   docker run -p 8080:8080 -v beacon-data:/data -e BEACON_JWT_SECRET=... beacon
# Outside loopback Beacon requires authentication, so a JWT secret (at least
# 32 bytes) or a public key file (BEACON_JWT_PUBLIC_KEY) must be given.

# Browser scripts (ECharts, htm's standalone Preact) from npm, pinned by web/package-lock.json; they
# are embedded in the binary, so the image serves them itself.
FROM node:22-bookworm-slim AS assets
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=assets /src/web/node_modules/echarts/dist/echarts.min.js web/static/vendor/echarts.min.js
COPY --from=assets /src/web/node_modules/htm/preact/standalone.module.js web/static/vendor/preact-htm.js
ARG VERSION=dev
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/beacon ./cmd/beacon

# Chromium and the CJK fonts render charts to PNG for DingTalk, WeCom and
# e-mail messages; without them messages carry text and a link instead.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata chromium fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin beacon \
 && mkdir -p /data && chown beacon:beacon /data
COPY --from=build /out/beacon /usr/local/bin/beacon
USER beacon
WORKDIR /data
# Chromium's sandbox needs user namespaces that most container runtimes do
# not give; it only ever draws Beacon's own charts, with no network.
ENV BEACON_DB=/data/beacon.duckdb \
    BEACON_ADDR=0.0.0.0:8080 \
    BEACON_CHROMIUM_NO_SANDBOX=1
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["beacon", "health", "--url", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["beacon"]
CMD ["serve"]
