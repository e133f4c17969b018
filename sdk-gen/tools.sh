# shellcheck shell=bash
# Tool set-up shared by sdk-gen/generate and sdk-gen/test. Source it after
# scripts/lib.sh; do not run it. Every tool is pinned and installed through
# its ecosystem's own package manager, cached under ~/.cache/nexus/sdk-tools
# (Go plugins, links to Maven's protoc binaries) and ~/.m2 (Maven).

SDK_GEN="$NEXUS_ROOT/sdk-gen"
SDK_TOOLS="${NEXUS_SDK_TOOLS:-$HOME/.cache/nexus/sdk-tools}"
# Plugins and runtimes, pinned. Change a version here and run sdk-gen/generate.
PROTOC_GEN_GO_VERSION="v1.36.11"
PROTOC_GEN_GO_GRPC_VERSION="v1.6.0"
PROTOC_JAVA_VERSION="4.33.1"
GRPC_JAVA_VERSION="1.77.0"

# Installs the TypeScript package's dependencies (protoc-gen-es, connect,
# typescript) from its package-lock.json when they changed.
setup_sdk_typescript() {
  require_cmd node "install Node.js 20 or newer (e.g. apt-get install nodejs npm)"
  require_cmd npm "install npm (e.g. apt-get install npm)"
  local dir="$SDK_GEN/typescript" stamp_file stamp
  stamp_file="$dir/node_modules/.nexus-stamp"
  stamp="$(stamp_of "$dir/package.json" "$dir/package-lock.json" -- "node $(node --version)")"
  if [[ -f "$stamp_file" && "$(cat "$stamp_file")" == "$stamp" ]]; then
    return 0
  fi
  npm ci --prefix "$dir" --no-audit --no-fund >&2
  echo "$stamp" >"$stamp_file"
}

# protoc-gen-go and protoc-gen-go-grpc through `go install`, into
# $SDK_TOOLS/go-bin (one directory per version pair).
setup_sdk_go_plugins() {
  require_cmd go "install Go 1.22 or newer (https://go.dev/doc/install, or apt-get install golang)"
  SDK_GO_BIN="$SDK_TOOLS/go-bin/$PROTOC_GEN_GO_VERSION-$PROTOC_GEN_GO_GRPC_VERSION"
  if [[ -x "$SDK_GO_BIN/protoc-gen-go" && -x "$SDK_GO_BIN/protoc-gen-go-grpc" ]]; then
    return 0
  fi
  mkdir -p "$SDK_GO_BIN"
  GOBIN="$SDK_GO_BIN" go install "google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOC_GEN_GO_VERSION" >&2 \
    || die "go install protoc-gen-go@$PROTOC_GEN_GO_VERSION failed"
  GOBIN="$SDK_GO_BIN" go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$PROTOC_GEN_GO_GRPC_VERSION" >&2 \
    || die "go install protoc-gen-go-grpc@$PROTOC_GEN_GO_GRPC_VERSION failed"
}

# protoc and protoc-gen-grpc-java: Maven Central ships both as
# exe:linux-x86_64 artifacts; `mvn dependency:get` puts them in ~/.m2 and
# they are linked (executable) into $SDK_TOOLS/java-bin.
setup_sdk_java_plugins() {
  require_cmd mvn "install Maven 3 and a JDK 17 (e.g. apt-get install maven openjdk-17-jdk-headless)"
  SDK_JAVA_BIN="$SDK_TOOLS/java-bin/$PROTOC_JAVA_VERSION-$GRPC_JAVA_VERSION"
  if [[ -x "$SDK_JAVA_BIN/protoc" && -x "$SDK_JAVA_BIN/protoc-gen-grpc-java" ]]; then
    return 0
  fi
  local repo="${MAVEN_REPO:-$HOME/.m2/repository}" protoc grpc
  mvn -q -B dependency:get "-Dartifact=com.google.protobuf:protoc:$PROTOC_JAVA_VERSION:exe:linux-x86_64" >&2 \
    || die "could not fetch protoc $PROTOC_JAVA_VERSION from Maven Central"
  mvn -q -B dependency:get "-Dartifact=io.grpc:protoc-gen-grpc-java:$GRPC_JAVA_VERSION:exe:linux-x86_64" >&2 \
    || die "could not fetch protoc-gen-grpc-java $GRPC_JAVA_VERSION from Maven Central"
  protoc="$repo/com/google/protobuf/protoc/$PROTOC_JAVA_VERSION/protoc-$PROTOC_JAVA_VERSION-linux-x86_64.exe"
  grpc="$repo/io/grpc/protoc-gen-grpc-java/$GRPC_JAVA_VERSION/protoc-gen-grpc-java-$GRPC_JAVA_VERSION-linux-x86_64.exe"
  [[ -f "$protoc" && -f "$grpc" ]] || die "Maven did not leave $protoc and $grpc"
  mkdir -p "$SDK_JAVA_BIN"
  cp "$protoc" "$SDK_JAVA_BIN/protoc"
  cp "$grpc" "$SDK_JAVA_BIN/protoc-gen-grpc-java"
  chmod +x "$SDK_JAVA_BIN/protoc" "$SDK_JAVA_BIN/protoc-gen-grpc-java"
}

# buf from scripts/tools (npm), as scripts/test installs it.
setup_sdk_buf() {
  setup_buf
  SDK_BUF="$BUF"
}

# Chromium for the TypeScript SDK's browser test (a Debian package): used
# from CHROMIUM_BIN or PATH; installed with apt-get when missing and this
# runs as root (as CI does); otherwise a clear error.
setup_sdk_chromium() {
  if [[ -n "${CHROMIUM_BIN:-}" ]]; then
    [[ -x "$CHROMIUM_BIN" ]] || die "CHROMIUM_BIN=$CHROMIUM_BIN is not an executable"
    return 0
  fi
  command -v chromium >/dev/null 2>&1 && return 0
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium (Debian package) for the browser test" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2 \
      || die "apt-get could not install chromium; install it (apt-get install chromium) or set CHROMIUM_BIN"
    return 0
  fi
  die "the browser test needs Chromium: apt-get install chromium (or set CHROMIUM_BIN)"
}
