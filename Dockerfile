# syntax=docker/dockerfile:1
# The gsign image: one binary, run with different roles by deploy/docker-compose.yml.
# The web app (web/ → internal/webapp/dist), which the binary embeds.
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
COPY internal/webapp/dist/README.txt ../internal/webapp/dist/README.txt
RUN npm run build

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=web /src/internal/webapp/dist ./internal/webapp/dist
# cgo stays on: the PKCS#11 (HSM) support loads the vendor's module with dlopen.
RUN go build -trimpath -ldflags "-s -w" -o /out/gsign ./cmd/gsign

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
	&& useradd --system --home /var/lib/gsign --create-home gsign
COPY --from=build /out/gsign /usr/local/bin/gsign
USER gsign
WORKDIR /var/lib/gsign
ENV GSIGN_DATA_DIR=/var/lib/gsign GSIGN_ADDR=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["gsign"]
CMD ["serve"]
