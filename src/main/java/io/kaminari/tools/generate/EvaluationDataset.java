package io.kaminari.tools.generate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kaminari.features.Scope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * One dataset of the evaluation suite: the traffic (a generator config, plus real captures replayed into it), what the
 * labels mention, the training and test ranges, the window and the scopes to evaluate it at.
 *
 * <p>Label semantics, the same for every dataset: the labels mention exactly the generated attacks that lie in the
 * test range and every capture copy (which must lie there too); attacks in the training range are in the flows and in
 * no label, as in a real network nobody labels the traffic a detector is calibrated on. Every generated attack lies
 * wholly inside one of the two ranges. Labels count flow records per window of {@code timestamp_start} (the window
 * length of the dataset), in the CSV {@code kaminari generate --labels} writes.
 *
 * <p>{@link #materialise} writes it for {@code kaminari evaluate}: {@code DIR/flows/} (hourly gzipped pmacct JSON
 * lines, as {@code kaminari generate --gzip} writes them), {@code DIR/labels.csv} and {@code DIR/dataset.json} (this
 * description and the counts); {@link #evaluateArgs} gives the command line. Same dataset, same bytes.
 */
public record EvaluationDataset(
    String name,
    String description,
    Instant trainFrom,
    Instant trainTo,
    Instant testFrom,
    Instant testTo,
    Duration window,
    List<Scope> scopes,
    GeneratorConfig generator,
    List<CaptureMix.Insertion> captures) {

  public static final String FLOWS = "flows";
  public static final String LABELS = "labels.csv";
  public static final String DESCRIPTION = "dataset.json";

  public EvaluationDataset {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(generator, "generator");
    scopes = List.copyOf(scopes);
    captures = List.copyOf(captures);
    if (!name.matches("[a-z0-9][a-z0-9-]*")) {
      throw new IllegalArgumentException("dataset name must be lower-case letters, digits and dashes, got '" + name + "'");
    }
    long w = window.getSeconds();
    if (window.getNano() != 0 || w < 60 || w > 3600 || w % 60 != 0 || 3600 % w != 0) {
      throw new IllegalArgumentException(name + ": window must be whole minutes dividing an hour, got " + window);
    }
    if (scopes.isEmpty()) {
      throw new IllegalArgumentException(name + ": at least one scope");
    }
    checkRange(name, "training", trainFrom, trainTo, w, generator);
    checkRange(name, "test", testFrom, testTo, w, generator);
    if (trainFrom.isBefore(testTo) && testFrom.isBefore(trainTo)) {
      throw new IllegalArgumentException(name + ": the training and test ranges overlap");
    }
    for (AttackSpec a : generator.attacks()) {
      if (!within(a.start(), a.end(), trainFrom, trainTo) && !within(a.start(), a.end(), testFrom, testTo)) {
        throw new IllegalArgumentException(name + ": attack " + a.kind() + " on " + a.victim() + " (" + a.start() + ".."
            + a.end() + ") lies neither inside the training range nor inside the test range");
      }
    }
    for (CaptureMix.Insertion c : captures) {
      if (c.at().isBefore(testFrom) || !c.at().isBefore(testTo)) {
        throw new IllegalArgumentException(name + ": capture " + c.capture().name() + " inserted at " + c.at()
            + ", outside the test range (copies are labelled, so they belong there)");
      }
    }
  }

  private static void checkRange(String name, String what, Instant from, Instant to, long windowSeconds,
      GeneratorConfig generator) {
    Objects.requireNonNull(from, what + " range start");
    Objects.requireNonNull(to, what + " range end");
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException(name + ": the " + what + " range is empty: " + from + ".." + to);
    }
    for (Instant t : List.of(from, to)) {
      if (t.getNano() != 0 || t.getEpochSecond() % windowSeconds != 0) {
        throw new IllegalArgumentException(name + ": " + what + " range bound " + t + " is not aligned to the window");
      }
    }
    if (from.isBefore(generator.start()) || to.isAfter(generator.end())) {
      throw new IllegalArgumentException(name + ": the " + what + " range " + from + ".." + to
          + " exceeds the generated period " + generator.start() + ".." + generator.end());
    }
  }

  private static boolean within(Instant start, Instant end, Instant from, Instant to) {
    return !start.isBefore(from) && !end.isAfter(to);
  }

  /** Whether the labels mention {@code attack}: whether it lies in the test range. */
  public boolean isLabelled(AttackSpec attack) {
    return within(attack.start(), attack.end(), testFrom, testTo);
  }

  /** The generated attacks the labels mention: those in the test range, in config order. */
  public List<AttackSpec> labelledAttacks() {
    return generator.attacks().stream().filter(this::isLabelled).toList();
  }

  /** The generated attacks in the training range, which are in the flows and in no label. */
  public List<AttackSpec> unlabelledAttacks() {
    return generator.attacks().stream().filter(a -> !isLabelled(a)).toList();
  }

  /** The window as {@code kaminari evaluate --window} takes it, e.g. {@code 1m}. */
  public String windowText() {
    return window.toMinutes() + "m";
  }

  /**
   * The arguments of {@code kaminari evaluate} (after the subcommand) for this dataset materialised in {@code dir},
   * at {@code scope}, writing to {@code out}.
   */
  public List<String> evaluateArgs(Path dir, Scope scope, Path out) {
    if (!scopes.contains(scope)) {
      throw new IllegalArgumentException(name + " is evaluated at " + scopes + ", not at " + scope);
    }
    return List.of("--flows", dir.resolve(FLOWS).toString(), "--labels", dir.resolve(LABELS).toString(),
        "--window", windowText(), "--scope", scope.jsonName(),
        "--train-from", trainFrom.toString(), "--train-to", trainTo.toString(),
        "--test-from", testFrom.toString(), "--test-to", testTo.toString(), "--out", out.toString());
  }

  /**
   * What {@link #materialise} wrote.
   *
   * @param flowRecords flow records in the flow files: benign, attacks and capture copies
   * @param labelledRecords records the labels count (labelled attacks and capture copies)
   * @param unlabelledRecords records of the training range's attacks, in the flows and in no label
   * @param labelledWindows windows with a label above 0
   */
  public record Materialised(Path flows, Path labels, long flowRecords, long labelledRecords, long unlabelledRecords,
      int labelledWindows) {}

  /**
   * Writes the dataset into {@code dir} (created if missing; it must not hold flow files yet): the flows, the labels
   * and the description. Deterministic: the same dataset gives the same bytes.
   */
  public Materialised materialise(Path dir) throws IOException {
    Path flows = dir.resolve(FLOWS);
    if (Files.isDirectory(flows)) {
      try (Stream<Path> s = Files.list(flows)) {
        if (s.findAny().isPresent()) {
          throw new IOException(flows + " is not empty: materialise a dataset into a fresh directory");
        }
      }
    }
    CaptureMix.Result mix;
    try (FileFlowSink sink = new FileFlowSink(flows, true)) {
      mix = new CaptureMix(generator, captures).run(sink, window);
    }
    List<AttackTally> labelled = new ArrayList<>();
    long unlabelled = 0;
    for (AttackTally t : mix.background().attacks()) {
      if (isLabelled(t.spec())) {
        labelled.add(t);
      } else {
        unlabelled += t.flows();
      }
    }
    List<Label> labels = new ArrayList<>(LabelWriter.labels(labelled, window));
    for (Label l : mix.labels()) {
      if (l.windowStart().isBefore(testFrom) || !l.windowStart().isBefore(testTo)) {
        throw new IllegalStateException(name + ": a capture copy of " + l.victim() + " has records in the window of "
            + l.windowStart() + ", outside the test range " + testFrom + ".." + testTo + ": insert it earlier");
      }
    }
    labels.addAll(mix.labels());
    labels.sort(Comparator.comparing(Label::windowStart));
    Path labelsFile = dir.resolve(LABELS);
    LabelWriter.write(labelsFile, labels);
    long labelledRecords = labels.stream().mapToLong(Label::attackFlows).sum();
    int windows = (int) labels.stream().filter(l -> l.attackFlows() > 0).map(Label::windowStart).distinct().count();
    Materialised m = new Materialised(flows, labelsFile, mix.background().flows() + mix.captureRecords(),
        labelledRecords, unlabelled, windows);
    writeDescription(dir.resolve(DESCRIPTION), m);
    return m;
  }

  private void writeDescription(Path file, Materialised m) throws IOException {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("name", name);
    d.put("description", description);
    d.put("train", List.of(trainFrom.toString(), trainTo.toString()));
    d.put("test", List.of(testFrom.toString(), testTo.toString()));
    d.put("window", windowText());
    d.put("scopes", scopes.stream().map(Scope::jsonName).toList());
    Map<String, Object> g = new LinkedHashMap<>();
    g.put("seed", generator.seed());
    g.put("start", generator.start().toString());
    g.put("end", generator.end().toString());
    g.put("benign_flows", generator.benignFlows());
    g.put("benign_hosts", generator.benignHosts());
    d.put("generator", g);
    List<Map<String, Object>> attacks = new ArrayList<>();
    for (AttackSpec a : generator.attacks()) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("kind", a.kind().name());
      x.put("start", a.start().toString());
      x.put("duration_seconds", a.duration().toMillis() / 1000.0);
      x.put("victim", a.victim());
      x.put("victims", a.victims());
      x.put("flows_per_second", a.flowsPerSecond());
      x.put("sources", a.sources());
      x.put("port", a.port());
      x.put("labelled", isLabelled(a));
      attacks.add(x);
    }
    d.put("attacks", attacks);
    List<Map<String, Object>> copies = new ArrayList<>();
    for (CaptureMix.Insertion c : captures) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("capture", c.capture().name());
      x.put("what", c.capture().what());
      x.put("at", c.at().toString());
      x.put("victim", c.victim());
      copies.add(x);
    }
    d.put("captures", copies);
    Map<String, Object> counts = new LinkedHashMap<>();
    counts.put("flow_records", m.flowRecords());
    counts.put("labelled_records", m.labelledRecords());
    counts.put("unlabelled_attack_records", m.unlabelledRecords());
    counts.put("labelled_windows", m.labelledWindows());
    d.put("counts", counts);
    Files.writeString(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(d) + "\n");
  }
}
