# syntax=docker/dockerfile:1
# Build: docker build -t aloware-kendo .
# Run:   docker run -p 8080:8080 -v aloware-kendo-data:/data -e KENDO_API_KEY=pk_... aloware-kendo

FROM golang:1.26 AS build
WORKDIR /src
# Dependencies first, so source edits reuse the module cache layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static binary: the SQLite driver is pure Go (modernc.org/sqlite), so no cgo is needed.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/aloware-kendo ./cmd/aloware-kendo
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
ENTRYPOINT ["/aloware-kendo"]
CMD ["serve"]
