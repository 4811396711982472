package io.kaminari.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the packaged CLI, {@code target/kaminari.jar}, in a JVM of its own, as a user runs it: for the ITs of commands
 * that own a whole home (the demo, the benchmarks, the evaluation suite) and must not share the test JVM's warehouse.
 */
public final class KaminariJar {
  public static final Path JAR = Path.of("target", "kaminari.jar").toAbsolutePath();

  private KaminariJar() {}

  /** A finished run: its exit code, its standard output and its standard error, by line. */
  public record Run(int exit, List<String> stdout, List<String> stderr) {
    /** The last line of standard output, or "" if there is none. */
    public String last() {
      return stdout.isEmpty() ? "" : stdout.get(stdout.size() - 1);
    }

    /** Both streams as text, for assertion messages. */
    public String shown() {
      return String.join("\n", stdout) + "\n--- stderr ---\n" + String.join("\n", stderr);
    }
  }

  /**
   * Runs {@code java [jvmArgs] -jar target/kaminari.jar args} with {@code SPARK_LOCAL_IP=127.0.0.1}, standard output to
   * {@code log} and standard error to {@code log} + {@code .err}. {@code hangGuard} is not a timing: a run still going
   * then is killed, with its children, and fails the test with its output.
   */
  public static Run run(Path log, Duration hangGuard, List<String> jvmArgs, String... args)
      throws IOException, InterruptedException {
    Process p = start(log, jvmArgs, args);
    boolean done = p.waitFor(hangGuard.toMillis(), TimeUnit.MILLISECONDS);
    if (!done) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    Run run = new Run(done ? p.exitValue() : -1, Files.readAllLines(log), Files.readAllLines(err(log)));
    if (!done) throw new AssertionError("kaminari " + String.join(" ", args) + " still ran after " + hangGuard + ":\n"
        + run.shown());
    return run;
  }

  /**
   * Starts what {@link #run} runs and returns at once, for a test that kills the process itself (a chaos test's
   * SIGKILL is {@link Process#destroyForcibly()}).
   */
  public static Process start(Path log, List<String> jvmArgs, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dai.djl.offline=true", "-Dspark.ui.enabled=false"));
    cmd.addAll(jvmArgs);
    cmd.addAll(List.of("-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(log.toFile()).redirectError(err(log).toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    return pb.start();
  }

  private static Path err(Path log) {
    return log.resolveSibling(log.getFileName() + ".err");
  }
}
