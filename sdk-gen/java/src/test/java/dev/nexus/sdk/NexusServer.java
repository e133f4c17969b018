package dev.nexus.sdk;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A real nexus server on 127.0.0.1, a free port and a temporary data directory. */
final class NexusServer implements AutoCloseable {
  static final String MISSING_BIN =
      "set NEXUS_BIN to a built nexus binary (cargo build -p nexus-server, or run scripts/test)";

  /** Every server started in this JVM, for the log tails of failed tests. */
  static final List<NexusServer> ALL = new CopyOnWriteArrayList<>();

  final String name;
  final int port;
  final Path dir;
  final Path log;
  private final List<String> extraArgs;
  private Process process;

  private NexusServer(String name, List<String> extraArgs) throws IOException {
    this.name = name;
    this.extraArgs = extraArgs;
    this.dir = Files.createTempDirectory("nexus-java-sdk-");
    this.port = freePort();
    Path logs = Path.of("target", "nexus-logs");
    Files.createDirectories(logs);
    this.log = logs.resolve(name + "-" + port + ".log").toAbsolutePath();
    Files.deleteIfExists(log);
  }

  /** Starts a server and waits until it answers. */
  static NexusServer start(String name, String... extraArgs) throws Exception {
    NexusServer server = create(name, extraArgs);
    server.launch();
    return server;
  }

  /** A server not started yet: put files in {@link #dir} first, then {@link #launch()}. */
  static NexusServer create(String name, String... extraArgs) throws IOException {
    NexusServer server = new NexusServer(name, List.of(extraArgs));
    ALL.add(server);
    return server;
  }

  static Path bin() {
    String bin = System.getenv("NEXUS_BIN");
    if (bin == null || bin.isBlank() || !Files.isExecutable(Path.of(bin))) {
      fail(MISSING_BIN + (bin == null || bin.isBlank() ? "" : " (not an executable: " + bin + ")"));
    }
    return Path.of(bin).toAbsolutePath();
  }

  /** NEXUS_ROOT, or the repository root derived from where the test classes are. */
  static Path root() {
    String env = System.getenv("NEXUS_ROOT");
    if (env != null && !env.isBlank()) {
      return Path.of(env).toAbsolutePath();
    }
    try {
      // .../sdk-gen/java/target/test-classes -> the repository root
      Path classes = Path.of(NexusServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path root = classes.getParent().getParent().getParent().getParent();
      if (!Files.isDirectory(root.resolve("schemas"))) {
        fail("cannot find the repository root from " + classes + ": set NEXUS_ROOT");
      }
      return root;
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  String target() {
    return "127.0.0.1:" + port;
  }

  void launch() throws Exception {
    Path root = root();
    List<String> command = new ArrayList<>(List.of(
        bin().toString(), "serve",
        "--listen", target(),
        "--data-dir", dir.resolve("data").toString(),
        "--schemas-dir", root.resolve("schemas").toString(),
        "--policies-dir", root.resolve("policies").toString(),
        "--projections-dir", root.resolve("projections").toString(),
        "--sagas-dir", root.resolve("sagas").toString()));
    command.addAll(extraArgs);
    ProcessBuilder builder = new ProcessBuilder(command);
    // NEXUS_* variables are server configuration: keep the test's own (NEXUS_BIN, ...) out.
    builder.environment().keySet().removeIf(key -> key.startsWith("NEXUS_"));
    process = builder
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    waitReady();
  }

  private void waitReady() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    try (NexusClient probe = NexusClient.builder(target())
        .deadline(Duration.ofSeconds(1))
        .retryPolicy(RetryPolicy.none())
        .build()) {
      NexusException last = null;
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          fail("nexus exited with " + process.exitValue() + " while starting; log tail:\n" + tail(40));
        }
        try {
          probe.listAggregateTypes();
          return;
        } catch (NexusException e) {
          if (e.code() != io.grpc.Status.Code.UNAVAILABLE && e.code() != io.grpc.Status.Code.DEADLINE_EXCEEDED) {
            return; // it answers (for example UNAUTHENTICATED without a token)
          }
          last = e;
          Thread.sleep(100);
        }
      }
      fail("nexus did not answer within 30 s (" + last + "); log tail:\n" + tail(40));
    }
  }

  /** Runs {@code nexus <args>} to completion and returns its standard output. */
  static String run(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(bin().toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
    byte[] out = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      fail("nexus " + String.join(" ", args) + " failed: " + err);
    }
    return new String(out, StandardCharsets.UTF_8).trim();
  }

  /** SIGKILL, as a crash. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  void stop() throws InterruptedException {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      kill();
    }
  }

  /**
   * Stops the server (SIGKILL when {@code crash}, else SIGTERM) and starts it again on the same
   * port and data directory.
   */
  void restart(boolean crash) throws Exception {
    if (crash) {
      kill();
    } else {
      stop();
    }
    launch();
  }

  String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() throws Exception {
    stop();
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }
}
