#!/usr/bin/env bash
# Build the inboxwatch Dockerfile for real with buildah and smoke-test the image.
#
# Recipe: ../shared/testing/CONTAINER.md (no Docker engine here; buildah builds the Dockerfile
# with chroot isolation, and a local Debian base image stands in for Docker Hub's).
#
#   tests/tools/container_smoke.sh [REPO]        # REPO defaults to this checkout
#
# Installs debootstrap/buildah/podman when missing. The Debian rootfs is cached as a tarball
# in $INBOXWATCH_CONTAINER_CACHE (default /var/cache/inboxwatch-container) and the base image
# stays in the container storage, so only the first run pays for debootstrap; `--layers`
# reuses the apt-get layers of earlier builds. Checks, inside the built image:
#   - the image runs as a non-root user, keeps its HEALTHCHECK, and declares the volume;
#   - `inboxwatch --help` works;
#   - `inboxwatch demo --db /tmp/d.db` runs the whole pipeline as that user;
#   - `id -u` is not 0.
# The smoke container is removed at the end (the image is kept for the next build's cache).
# Prints "SMOKE OK" and "build_seconds=N" on success; exits non-zero on any failure.
set -euo pipefail

REPO=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
CACHE=${INBOXWATCH_CONTAINER_CACHE:-/var/cache/inboxwatch-container}
BASE=localhost/debian:bookworm-slim
IMAGE=localhost/inboxwatch:smoke-test
HOST_CA=/etc/ssl/certs/ca-certificates.crt
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

step() { printf '== %s\n' "$*"; }
fail() { printf 'SMOKE FAILED: %s\n' "$*" >&2; exit 1; }

install_tools() {
    local missing=()
    for tool in debootstrap buildah podman; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    if ((${#missing[@]})); then
        step "installing ${missing[*]} (apt-get)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

base_image() {
    if podman image exists "$BASE"; then
        step "base image $BASE: present"
        return
    fi
    mkdir -p "$CACHE"
    local tarball="$CACHE/bookworm-minbase.tar"
    if [[ ! -s $tarball ]]; then
        step "debootstrap bookworm (minbase) -> $tarball"
        local rootfs
        rootfs=$(mktemp -d /var/tmp/iw-rootfs.XXXXXX)
        debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
            || { rm -rf "$rootfs"; fail "debootstrap failed; see $CACHE/debootstrap.log"; }
        tar -C "$rootfs" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
        rm -rf "$rootfs"
    fi
    step "importing $tarball as $BASE"
    podman import "$tarball" "$BASE" >/dev/null
}

build_image() {
    step "buildah bud $REPO -> $IMAGE"
    local start=$SECONDS
    # --format docker: the OCI format has no HEALTHCHECK and buildah would drop it.
    # The host CA bundle is mounted beside (not over) the image's own bundle, which dpkg writes.
    buildah bud --isolation chroot --network host --layers --format docker \
        --volume "$HOST_CA:/run/host-ca.crt:ro" --build-arg PIP_CERT=/run/host-ca.crt \
        -t "$IMAGE" "$REPO"
    BUILD_SECONDS=$((SECONDS - start))
    echo "build_seconds=$BUILD_SECONDS"
}

check_config() {
    local user health volumes
    user=$(buildah inspect --type image --format '{{.Docker.Config.User}}' "$IMAGE")
    health=$(buildah inspect --type image --format '{{.Docker.Config.Healthcheck}}' "$IMAGE")
    volumes=$(buildah inspect --type image --format '{{.Docker.Config.Volumes}}' "$IMAGE")
    echo "image user=$user healthcheck=$health volumes=$volumes"
    [[ -n $user && $user != root && $user != 0 ]] || fail "the image runs as root"
    [[ $health == *inboxwatch* ]] || fail "the image has no HEALTHCHECK calling inboxwatch"
    [[ $volumes == */var/lib/inboxwatch* ]] || fail "no volume for config and database"
}

smoke() {
    CTR=$(buildah from "$IMAGE")
    trap 'buildah rm "$CTR" >/dev/null 2>&1 || true' EXIT
    local run=(buildah run --isolation chroot "$CTR" --)
    step "inboxwatch --help"
    "${run[@]}" inboxwatch --help | head -n 3
    step "id -u"
    local uid
    uid=$("${run[@]}" id -u)
    echo "uid=$uid"
    [[ $uid =~ ^[0-9]+$ && $uid != 0 ]] || fail "commands in the container run as uid $uid"
    step "inboxwatch demo --db /tmp/d.db"
    local demo
    demo=$("${run[@]}" inboxwatch demo --db /tmp/d.db) || { echo "$demo"; fail "demo failed"; }
    echo "$demo"
    grep -q "Acme Kft." <<<"$demo" || fail "the demo output names no client"
    "${run[@]}" sh -c 'test -s /tmp/d.db && test -O /tmp/d.db' \
        || fail "the demo database is missing or not owned by the container's user"
    step "removing container $CTR"
    buildah rm "$CTR" >/dev/null
    trap - EXIT
}

install_tools
base_image
build_image
check_config
smoke
echo "SMOKE OK build_seconds=$BUILD_SECONDS"
