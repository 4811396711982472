package io.kaminari.tools.generate;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Turns a run's attack tallies into per-window labels, one per epoch-aligned window and attack overlapping it, and
 * writes them as CSV ({@code window_start,attack_kind,victim,attack_flows}).
 */
public final class LabelWriter {
  public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);
  public static final String HEADER = "window_start,attack_kind,victim,attack_flows";

  private LabelWriter() {}

  /** Labels for {@link #DEFAULT_WINDOW}. */
  public static List<Label> labels(GenerationResult result) {
    return labels(result, DEFAULT_WINDOW);
  }

  /** Labels ordered by window start, then by the attacks' order in the config; a window may carry 0 flows. */
  public static List<Label> labels(GenerationResult result, Duration window) {
    return labels(result.attacks(), window);
  }

  /**
   * Labels of the given attacks only (say, those of a test range, leaving the others unlabelled), ordered as
   * {@link #labels(GenerationResult, Duration)} orders them.
   */
  public static List<Label> labels(List<AttackTally> tallies, Duration window) {
    if (window.isNegative() || window.isZero() || window.getNano() != 0) {
      throw new IllegalArgumentException("label window must be positive whole seconds, got " + window);
    }
    long size = window.getSeconds();
    List<Label> labels = new ArrayList<>();
    for (AttackTally tally : tallies) {
      AttackSpec spec = tally.spec();
      long first = Math.floorDiv(spec.start().getEpochSecond(), size) * size;
      for (long w = first; Instant.ofEpochSecond(w).isBefore(spec.end()); w += size) {
        Instant from = Instant.ofEpochSecond(w);
        long flows = tally.flowsStartingIn(from, Instant.ofEpochSecond(w + size));
        labels.add(new Label(from, spec.kind(), spec.victim(), flows));
      }
    }
    // Stable: labels of one window keep the attacks' config order.
    labels.sort(Comparator.comparing(Label::windowStart));
    return labels;
  }

  /** Writes the CSV to {@code out}. */
  public static void write(Writer out, List<Label> labels) throws IOException {
    out.write(HEADER);
    out.write('\n');
    for (Label l : labels) {
      out.write(l.windowStart() + "," + l.attackKind() + "," + l.victim() + "," + l.attackFlows() + "\n");
    }
  }

  /** Writes the CSV to {@code file}, replacing it atomically so a reader never sees half of it. */
  public static void write(Path file, List<Label> labels) throws IOException {
    Path absolute = file.toAbsolutePath();
    Path tmp = absolute.resolveSibling("." + absolute.getFileName() + ".tmp");
    try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      write(out, labels);
    }
    Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
