# customer-snapshot: a multi-stage build. The builder compiles the release binary; the runtime
# is slim Debian with that one binary, running as a non-root user.
#
#   docker build -t customer-snapshot .
#   docker run --rm -v "$PWD:/data" --user "$(id -u):$(id -g)" customer-snapshot process meeting.vtt
#
# See docs/deployment.md for process, benchmark and monitor, volumes and configuration.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=trixie

FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS builder
# Benchmark reports record the commit; the context has no .git, so pass it in:
#   docker build --build-arg CUSTOMER_SNAPSHOT_GIT_COMMIT="$(git rev-parse --short=12 HEAD)" .
ARG CUSTOMER_SNAPSHOT_GIT_COMMIT=""
WORKDIR /src
# Only what the build needs; .dockerignore keeps target/, .git and .env out of the context.
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
# Cache mounts keep the registry and target folder between builds; the binary is copied out
# because the cache mount is not part of the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --profile dist --locked -p customer-snapshot \
    && install -m 0755 target/dist/customer-snapshot /usr/local/bin/customer-snapshot

FROM debian:${DEBIAN_RELEASE}-slim
# A fixed, unprivileged UID so volume permissions can be planned (or override with --user).
RUN groupadd --system --gid 10001 snapshot \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --shell /usr/sbin/nologin snapshot \
    && mkdir -p /data /data/.local/share/customer-snapshot \
    && chown -R snapshot:snapshot /data
COPY --from=builder /usr/local/bin/customer-snapshot /usr/local/bin/customer-snapshot
USER 10001:10001
WORKDIR /data
# Inputs and outputs live in /data (mount the host folder there); the history database goes to
# $XDG_DATA_HOME/customer-snapshot/history.sqlite, inside the same volume unless mounted apart.
ENV HOME=/data \
    XDG_DATA_HOME=/data/.local/share \
    LOG_FORMAT=json
VOLUME ["/data"]
# Port of `monitor --listen 0.0.0.0:9184` (Prometheus /metrics).
EXPOSE 9184
# The live probe reads only /proc and the container's cgroup files (memory.max, cpu.max).
HEALTHCHECK --interval=30s --timeout=10s --start-period=5s CMD ["customer-snapshot", "healthcheck", "--probe", "live"]
ENTRYPOINT ["customer-snapshot"]
CMD ["--help"]
