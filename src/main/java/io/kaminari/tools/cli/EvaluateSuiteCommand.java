package io.kaminari.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kaminari.cli.ConfigOptions;
import io.kaminari.cli.Main;
import io.kaminari.cli.Subcommand;
import io.kaminari.common.FileTrees;
import io.kaminari.features.Scope;
import io.kaminari.tools.evaluate.SuiteTable;
import io.kaminari.tools.generate.EvaluationDataset;
import io.kaminari.tools.generate.EvaluationDatasets;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code kaminari evaluate-suite}: every dataset of the evaluation suite ({@link EvaluationDatasets}) through
 * {@code kaminari evaluate}, one table of the results ({@link SuiteTable}) in {@code DIR/suite.md} and
 * {@code DIR/suite.json} (and, with {@code --doc}, between the markers of a Markdown page), and a last line
 * {@code EVAL suite datasets=N beats_baseline=M event_recall_min=X false_alarms_per_day_max=Y}.
 *
 * <p>Each {@code evaluate} runs in a child JVM of its own, one at a time: its private warehouse needs a Spark session of
 * its own, which a JVM builds once. The child is this JVM's java binary, class path and memory settings, plus Spark's
 * add-opens (which {@code java -jar} takes from the manifest, and a {@code -cp} launch does not); its output goes to
 * {@code DIR/NAME/evaluate.log}. A dataset that fails (to materialise, to evaluate, or to leave a readable
 * {@code metrics.json}) is marked failed in the table, the suite goes on, and the command exits 1 at the end.
 */
@Command(name = "evaluate-suite", description = "Run `kaminari evaluate` on every dataset of the evaluation suite (each"
    + " in its own JVM) and write one table to DIR/suite.md, DIR/suite.json and optionally a doc; ends with one"
    + " `EVAL suite ...` line.")
public final class EvaluateSuiteCommand implements Subcommand {
  /** Spark's add-opens for Java 17, as {@code spark.jvm.flags} in the pom and the jar manifest's Add-Opens. */
  static final List<String> SPARK_JVM_FLAGS = List.of("-XX:+IgnoreUnrecognizedVMOptions",
      "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
      "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
      "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
      "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", "-Djdk.reflect.useDirectMethodHandle=false",
      "-Dio.netty.tryReflectionSetAccessible=true");

  /** Memory of a child: what EvaluateIT gives {@code evaluate}. */
  static final String CHILD_HEAP = "-Xmx2g";

  @Spec CommandSpec spec;

  @Mixin ConfigOptions options;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory (one folder per"
      + " dataset: data/ and the evaluate output)")
  Path out;

  @Option(names = "--datasets", defaultValue = "suite", paramLabel = "suite|small|NAME[,NAME...]",
      description = "suite (all 11), small (the 4 reduced CI variants) or dataset names; default ${DEFAULT-VALUE}")
  String datasets;

  @Option(names = "--doc", paramLabel = "FILE", description = "also write the table into this Markdown file, between"
      + " its <!-- evaluate-suite:begin --> and <!-- evaluate-suite:end --> markers (e.g. docs/evaluation.md)")
  Path doc;

  @Override
  public Integer call() throws Exception {
    List<EvaluationDataset> chosen = chosen();
    String docText = null;
    if (doc != null) {
      if (!Files.isRegularFile(doc)) throw new ParameterException(spec.commandLine(), "--doc " + doc + " is not a file");
      docText = Files.readString(doc, StandardCharsets.UTF_8);
      try {
        SuiteTable.replaceSection(docText, "", doc.toString());
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--doc: " + e.getMessage());
      }
    }
    options.load(); // a bad --config or --set fails here, before an hour of runs
    Files.createDirectories(out);
    Instant started = Instant.now();
    List<SuiteTable.Entry> entries = new ArrayList<>();
    for (EvaluationDataset d : chosen) {
      entries.addAll(runDataset(d));
    }
    double minutes = ChronoUnit.SECONDS.between(started, Instant.now()) / 60.0;
    SuiteTable.Summary summary = SuiteTable.summary(entries);
    String table = SuiteTable.markdown(entries);
    String section = section(table, summary, minutes);
    Files.writeString(out.resolve("suite.md"), section, StandardCharsets.UTF_8);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(out.resolve("suite.json").toFile(), SuiteTable.json(entries));
    if (doc != null) {
      Files.writeString(doc, SuiteTable.replaceSection(docText, section, doc.toString()), StandardCharsets.UTF_8);
      System.out.println("wrote the table into " + doc);
    }
    System.out.println();
    System.out.print(table);
    System.out.println("wrote " + out.resolve("suite.md") + " and " + out.resolve("suite.json"));
    if (summary.failed() > 0) {
      System.err.println("evaluate-suite: " + summary.failed() + " of " + entries.size()
          + " runs failed (see their evaluate.log)");
    }
    System.out.println(summary.line());
    return summary.failed() > 0 ? 1 : 0;
  }

  private List<EvaluationDataset> chosen() {
    String d = datasets.trim();
    if (d.equals("suite")) return EvaluationDatasets.suite();
    if (d.equals("small")) return EvaluationDatasets.small();
    LinkedHashSet<String> names = Arrays.stream(d.split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .collect(Collectors.toCollection(LinkedHashSet::new));
    if (names.isEmpty()) throw new ParameterException(spec.commandLine(), "--datasets names no dataset");
    List<EvaluationDataset> out = new ArrayList<>();
    for (String n : names) {
      try {
        out.add(EvaluationDatasets.named(n));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--datasets: " + e.getMessage());
      }
    }
    return out;
  }

  /** The doc section: how it was made, the table, the summary line. */
  private String section(String table, SuiteTable.Summary summary, double minutes) {
    List<String> cmd = new ArrayList<>(List.of("java", "-jar", "target/kaminari.jar", "evaluate-suite", "--out",
        out.toString(), "--datasets", datasets));
    cmd.addAll(options.asArgs());
    if (doc != null) cmd.addAll(List.of("--doc", doc.toString()));
    return String.format(Locale.ROOT, "Measured %s with `%s` (%.0f minutes, %d cores). Production verdict in bold;"
            + " rows per dataset and detector, metrics as defined under \"Metrics\" above.%n%n%s%n```%n%s%n```%n",
        Instant.now().truncatedTo(ChronoUnit.SECONDS), String.join(" ", cmd), minutes,
        Runtime.getRuntime().availableProcessors(), table, summary.line());
  }

  /** Materialises {@code d} and evaluates it at each of its scopes: one entry per scope, a failed one with why. */
  private List<SuiteTable.Entry> runDataset(EvaluationDataset d) {
    Path dir = out.resolve(d.name()).toAbsolutePath();
    Path data = dir.resolve("data");
    List<SuiteTable.Entry> entries = new ArrayList<>();
    System.out.println("== " + d.name() + ": " + d.description());
    try {
      if (Files.exists(data)) FileTrees.delete(data); // a rerun into the same DIR starts from fresh files
      long t0 = System.nanoTime();
      EvaluationDataset.Materialised m = d.materialise(data);
      System.out.printf(Locale.ROOT, "== %s: materialised %,d flow records, %d labelled windows (%.0f s)%n", d.name(),
          m.flowRecords(), m.labelledWindows(), (System.nanoTime() - t0) / 1e9);
    } catch (Exception e) {
      String why = "materialising failed: " + e;
      System.out.println("== " + d.name() + ": " + why);
      for (Scope s : d.scopes()) entries.add(SuiteTable.Entry.failed(label(d, s), why));
      return entries;
    }
    for (Scope s : d.scopes()) {
      // The first scope's run goes into DIR/NAME as the brief of the table says; others into DIR/NAME/SCOPE.
      Path runDir = s.equals(d.scopes().get(0)) ? dir : dir.resolve(s.jsonName());
      entries.add(evaluate(d, s, data, runDir));
    }
    return entries;
  }

  private static String label(EvaluationDataset d, Scope s) {
    return s.equals(d.scopes().get(0)) ? d.name() : d.name() + " (" + s.jsonName() + ")";
  }

  private SuiteTable.Entry evaluate(EvaluationDataset d, Scope s, Path data, Path runDir) {
    String label = label(d, s);
    try {
      Files.createDirectories(runDir);
      Files.deleteIfExists(runDir.resolve("metrics.json")); // never read a previous run's figures
      List<String> cmd = childCommand();
      cmd.add("evaluate");
      cmd.addAll(d.evaluateArgs(data, s, runDir));
      cmd.addAll(options.asArgs());
      Path log = runDir.resolve("evaluate.log");
      System.out.println("== " + label + ": kaminari evaluate " + String.join(" ", d.evaluateArgs(data, s, runDir))
          + " > " + log);
      long t0 = System.nanoTime();
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      // Stopping the suite (Ctrl-C, a kill) stops the running child too, rather than leaving it to run for minutes.
      Thread stop = new Thread(p::destroyForcibly, "evaluate-suite-stop-child");
      Runtime.getRuntime().addShutdownHook(stop);
      int rc;
      try {
        rc = p.waitFor();
      } finally {
        if (!p.isAlive()) Runtime.getRuntime().removeShutdownHook(stop);
      }
      System.out.printf(Locale.ROOT, "== %s: exit %d after %.0f s%n", label, rc, (System.nanoTime() - t0) / 1e9);
      if (rc != 0) return SuiteTable.Entry.failed(label, "evaluate exited " + rc + ": " + lastError(log));
      Path metrics = runDir.resolve("metrics.json");
      if (!Files.isRegularFile(metrics)) return SuiteTable.Entry.failed(label, "evaluate wrote no metrics.json");
      JsonNode json = new ObjectMapper().readTree(metrics.toFile());
      return SuiteTable.fromMetrics(label, json);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return SuiteTable.Entry.failed(label, "interrupted");
    } catch (Exception e) {
      return SuiteTable.Entry.failed(label, e.toString());
    }
  }

  /** The last line of the log that says "error", for the table; the log has the rest. */
  private static String lastError(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (lines.get(i).contains("error")) return lines.get(i).strip();
      }
      return "see " + log;
    } catch (IOException e) {
      return "see " + log;
    }
  }

  /**
   * {@code java -Xmx2g [this JVM's -D and --add-opens flags] [Spark's flags] -cp [this class path, absolute] Main}. The
   * heap is the child's own (this JVM only generates flows); {@code JAVA_TOOL_OPTIONS}, which children inherit,
   * overrides it. A debugger or agent of this JVM is not passed on.
   */
  static List<String> childCommand() {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add(CHILD_HEAP);
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("-D") || a.startsWith("--add-opens") || a.startsWith("--add-exports"))
        .forEach(cmd::add);
    cmd.addAll(SPARK_JVM_FLAGS);
    String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> !e.isEmpty()).map(e -> Path.of(e).toAbsolutePath().toString())
        .collect(Collectors.joining(File.pathSeparator));
    cmd.addAll(List.of("-cp", cp, Main.class.getName()));
    return cmd;
  }
}
