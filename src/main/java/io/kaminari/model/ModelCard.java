package io.kaminari.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A version as people and tools read it: {@link #markdown} is its model card (what it was trained on, its thresholds
 * and detectors, the evaluation metrics stored in its manifest, its tags and description), {@link #json} the one-line
 * JSON of {@code kaminari models show --format json} that scripts (the retrain DAG) read instead of cutting text.
 */
public final class ModelCard {
  private ModelCard() {}

  /**
   * One line of JSON: {@code name}, {@code version}, {@code aliases} (sorted), {@code verified} (whether every file's
   * SHA-256 was checked just now), {@code tags}, {@code description} and the whole {@code manifest}.
   */
  public static String json(ModelManifest m, List<String> aliases, boolean verified, VersionNotes.Notes notes) {
    ObjectNode out = ModelManifest.json().createObjectNode();
    out.put("name", m.name());
    out.put("version", m.version());
    ArrayNode names = out.putArray("aliases");
    aliases.forEach(names::add);
    out.put("verified", verified);
    ObjectNode tags = out.putObject("tags");
    notes.tags().forEach(tags::put);
    out.put("description", notes.description());
    out.set("manifest", ModelManifest.json().valueToTree(m));
    try {
      return ModelManifest.json().writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + m.name() + "/" + m.version(), e);
    }
  }

  /** The model card of {@code m}, as Markdown. */
  public static String markdown(ModelManifest m, List<String> aliases, VersionNotes.Notes notes) {
    StringBuilder s = new StringBuilder();
    s.append("# ").append(m.name()).append('/').append(m.version())
        .append(aliases.isEmpty() ? "" : " (" + String.join(", ", aliases) + ")").append("\n\n");
    if (!notes.description().isEmpty()) s.append(notes.description()).append("\n\n");
    s.append("| | |\n|---|---|\n");
    row(s, "created", String.valueOf(m.created()));
    row(s, "trained on", "[" + m.trainFrom() + ", " + m.trainTo() + "): " + m.trainSamples() + " training, "
        + m.validationSamples() + " validation windows");
    row(s, "features", m.spec().name() + " (spec " + m.specId() + "): " + m.spec().scope().jsonName() + " scope, "
        + m.spec().windowSeconds() + " s windows, " + m.spec().dimension() + " features");
    row(s, "autoencoder threshold", fmt(m.threshold()) + " (" + m.thresholdMethod() + ")");
    Calibration c = m.calibration();
    if (c != null) {
      row(s, "calibration", c.method() + " on " + c.windows() + " windows (" + c.basis() + "), trimmed " + c.trimmed()
          + " at trim fraction " + fmt(c.trimFraction()));
    }
    Detectors d = m.detectors();
    if (d != null) {
      row(s, "verdict", d.rule());
      row(s, "false-alarm budget", d.budget());
      row(s, "AR forecaster", d.ar() != null ? "threshold " + fmt(d.ar().threshold()) + " (" + d.ar().thresholdMethod()
          + "), " + d.ar().series() + " series" : "none: " + d.arNote());
      if (d.scopeGroups() != null) row(s, "traffic groups", d.scopeGroups().groups().size() + " group(s)");
    }
    row(s, "engine", m.engine() + ", DJL " + m.djlVersion() + ", code " + m.codeVersion());
    row(s, "files", m.files().size() + " (SHA-256 in the manifest)");
    s.append("\n## Stored evaluation metrics\n\n");
    if (m.metrics().isEmpty()) {
      s.append("none\n");
    } else {
      s.append("| metric | value |\n|---|---|\n");
      m.metrics().entrySet().stream().sorted(Map.Entry.comparingByKey())
          .forEach(e -> s.append("| ").append(e.getKey()).append(" | ").append(fmt(e.getValue())).append(" |\n"));
    }
    s.append("\n## Tags\n\n");
    if (notes.tags().isEmpty()) s.append("none\n");
    notes.tags().forEach((k, v) -> s.append("- `").append(k).append("` = ").append(v).append('\n'));
    return s.toString();
  }

  private static void row(StringBuilder s, String key, String value) {
    s.append("| ").append(key).append(" | ").append(value.replace("|", "\\|")).append(" |\n");
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.6g", v);
  }
}
