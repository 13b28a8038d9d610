# syntax=docker/dockerfile:1
# Build: docker build -t aloware-kendo \
#          --build-arg VERSION="$(git describe --tags --always --dirty)" \
#          --build-arg REVISION="$(git rev-parse HEAD)" .
#        (the build context has no .git, so the version and revision come in as arguments;
#        `aloware-kendo version` and the aloware_kendo_build_info metric report them)
# Run:   docker run -p 8080:8080 -v aloware-kendo-data:/data -e KENDO_API_KEY=pk_... aloware-kendo

FROM golang:1.26 AS build
WORKDIR /src
# Dependencies first, so source edits reuse the module cache layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Declared after the module download, so a new version reuses the cached layers above.
ARG VERSION=""
ARG REVISION=""
# Static binary: the SQLite driver is pure Go (modernc.org/sqlite), so no cgo is needed.
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false -o /out/aloware-kendo \
    -ldflags "-s -w -X github.com/aloware-kendo/aloware-kendo/buildinfo.version=${VERSION} -X github.com/aloware-kendo/aloware-kendo/buildinfo.revision=${REVISION}" \
    ./cmd/aloware-kendo
# The data directory, owned by the distroless "nonroot" user (65532), so the volume is writable.
RUN mkdir -p /out/data && chown 65532:65532 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/aloware-kendo /aloware-kendo
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
VOLUME /data
ENV ALOWARE_KENDO_DB=sqlite:/data/aloware-kendo.db \
    ALOWARE_KENDO_LISTEN=:8080
EXPOSE 8080
# No curl in distroless: the binary checks itself (it reads ALOWARE_KENDO_LISTEN for the port).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/aloware-kendo", "healthcheck"]
ARG VERSION=""
ARG REVISION=""
LABEL org.opencontainers.image.version="${VERSION}" org.opencontainers.image.revision="${REVISION}"
ENTRYPOINT ["/aloware-kendo"]
CMD ["serve"]
