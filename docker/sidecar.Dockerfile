# warden-sidecar (and wardenctl, to verify receipts where they are written), multi-stage:
#   docker build -f docker/sidecar.Dockerfile -t ghcr.io/mcp-warden/warden-sidecar:0.1.0 .
# Build: Debian 12 with the build dependencies of scripts/setup.sh (less tests, benchmarks and Node.js), a CMake
# Release build of the two binaries. Runtime: debian:12-slim with exactly the packages that own the binaries' shared
# libraries (ldd; tests/shipping/docker_test.sh checks the list against the built binaries), running as 65532.

FROM debian:12 AS build
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      build-essential cmake pkg-config ca-certificates \
      libssl-dev libcpprest-dev libyaml-cpp-dev nlohmann-json3-dev \
      libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc \
      libboost-dev libboost-system-dev libre2-dev libspdlog-dev libfmt-dev libcli11-dev \
      libhowardhinnant-date-dev tzdata \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the build reads (the CRDs are embedded into the policy library), so unrelated changes keep the cache.
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY crds/ crds/
COPY policy/ policy/
COPY sidecar/ sidecar/
COPY operator/ operator/
COPY cli/ cli/
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DWARDEN_BUILD_TESTS=OFF -DWARDEN_BUILD_BENCH=OFF \
 && cmake --build /build -j"$(nproc)" --target warden-sidecar wardenctl \
 && install -D -s -m 0755 /build/sidecar/warden-sidecar /out/warden-sidecar \
 && install -D -s -m 0755 /build/cli/wardenctl /out/wardenctl

FROM debian:12-slim
# The packages owning the shared libraries ldd lists for the binary (libraries of libraries included), and tzdata
# for the IANA zones of ToolPolicy schedules.
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libabsl20220623 libatomic1 libc-ares2 libc6 libdate-tz3 libfmt9 libgcc-s1 libgrpc++1.51 libgrpc29 \
      libprotobuf32 libre2-9 libspdlog1.10 libssl3 libstdc++6 libyaml-cpp0.7 zlib1g \
      tzdata \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log
COPY --from=build /out/warden-sidecar /out/wardenctl /usr/local/bin/
# The injector runs the container as 65532 with a read-only root filesystem; the image says the same.
USER 65532:65532
EXPOSE 8443 9090
ENTRYPOINT ["/usr/local/bin/warden-sidecar"]
