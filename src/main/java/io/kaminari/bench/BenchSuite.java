package io.kaminari.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code kaminari bench all}: every benchmark, each in its own JVM (so Spark, the Derby metastore and DJL never share
 * one), at sizes that finish within about 20 minutes on 2 cores; writes the results table to a Markdown file.
 */
public final class BenchSuite {
  private BenchSuite() {}

  /** One benchmark run of the suite: its name, arguments, and the target it is judged against. */
  record Case(String name, List<String> args, String target) {}

  static final List<Case> CASES = List.of(
      new Case("compact", List.of("--flows", "2000000"), ">= 150k flows/s per core and >= 2x the naive job"),
      new Case("features", List.of("--flows", "10000000"), "< 60 s for a 10M-flow day, both scopes"),
      new Case("train", List.of("--windows", "100000", "--epochs", "50"), "100k windows x 50 epochs < 30 s"),
      new Case("scorer", List.of("--flows", "5000000"),
          ">= 300k flows/s per core, p99 <= 1 s, swap <= 1 s, 0 lost windows, RSS <= 512 MB"));

  /** Runs every case with {@code jar}, prints their output, writes {@code out}; returns the BENCH lines by name. */
  public static Map<String, String> run(Path jar, List<String> commonArgs, Path out) throws Exception {
    Map<String, String> lines = new LinkedHashMap<>();
    for (Case c : CASES) {
      List<String> cmd = new ArrayList<>(List.of(javaBin(), "-jar", jar.toString(), "bench", c.name()));
      cmd.addAll(c.args());
      cmd.addAll(commonArgs);
      System.out.println("== " + String.join(" ", cmd.subList(1, cmd.size())));
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      String last = null;
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          System.out.println(line);
          if (line.startsWith("BENCH ")) last = line;
        }
      }
      int rc = p.waitFor();
      if (rc != 0 || last == null) throw new IllegalStateException("bench " + c.name() + " failed (exit " + rc + ")");
      lines.put(c.name(), last);
    }
    Files.writeString(out, markdown(lines, String.join(" ", commonArgs)), StandardCharsets.UTF_8);
    System.out.println("wrote " + out);
    return lines;
  }

  static String markdown(Map<String, String> lines, String commonArgs) {
    StringBuilder sb = new StringBuilder("# Benchmarks\n\n");
    sb.append("Written by `java -jar target/kaminari.jar bench all").append(commonArgs.isEmpty() ? "" : " " + commonArgs)
        .append("` on ").append(Instant.now()).append(".\n\n");
    sb.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
        .append(ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
            ? os.getTotalMemorySize() / (1 << 30) + " GiB" : "? GiB")
        .append(", ").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.version"))
        .append(".\n\n| benchmark | command | target | figures |\n|---|---|---|---|\n");
    for (Case c : CASES) {
      String line = lines.get(c.name());
      sb.append("| ").append(c.name()).append(" | `kaminari bench ").append(c.name()).append(' ')
          .append(String.join(" ", c.args())).append("` | ").append(c.target()).append(" | `")
          .append(line == null ? "not run" : line).append("` |\n");
    }
    return sb.toString();
  }

  private static String javaBin() throws IOException {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
