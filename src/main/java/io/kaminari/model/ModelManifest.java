package io.kaminari.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.kaminari.features.FeatureSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Everything needed to use and to judge one published model version, stored as {@code manifest.json} next to its
 * files: identity, the feature spec it expects, normalisation statistics, threshold, training provenance, metrics,
 * runtime versions and the SHA-256 of every file.
 *
 * <p>The trainer builds a draft (version 0, no created time, no files) and {@link ModelRegistry#publish} fills in
 * {@code version}, {@code created} and {@code files}. Every field is validated when a manifest is built, so an
 * inconsistent manifest (a spec id that is not the embedded spec's id, statistics of the wrong length) cannot exist in
 * memory. Unknown JSON fields are ignored so that older readers accept manifests written by newer code; required fields
 * are never defaulted. {@code calibration} and {@code detectors} are optional: manifests written before they existed
 * lack them, and a manifest without {@code detectors} scores with the autoencoder alone.
 *
 * <p>With {@code detectors} ({@link Detectors}), {@code threshold}, {@code threshold_method}, {@code calibration} and
 * {@code normalisation} are the autoencoder's; under {@code dst-prefix}, those of its group 0 (each group's are in
 * {@code detectors.scope_groups} and its directory's model.json).
 *
 * <p>About 400 lines: the file format's fields, their validation and the constructors that read older manifests are
 * one contract, kept together.
 */
@JsonPropertyOrder({"name", "version", "created", "spec_id", "spec", "normalisation", "threshold", "threshold_method",
    "calibration", "detectors", "train_from", "train_to", "train_samples", "validation_samples", "hyperparameters", "metrics",
    "djl_version", "engine", "code_version", "files"})
public record ModelManifest(
    @JsonProperty("name") String name,
    @JsonProperty("version") int version,
    @JsonProperty("created") Instant created,
    @JsonProperty("spec_id") String specId,
    @JsonProperty("spec") FeatureSpec spec,
    @JsonProperty("normalisation") Normalisation normalisation,
    @JsonProperty("threshold") double threshold,
    @JsonProperty("threshold_method") String thresholdMethod,
    @JsonProperty("calibration") @JsonInclude(JsonInclude.Include.NON_NULL) Calibration calibration,
    @JsonProperty("detectors") @JsonInclude(JsonInclude.Include.NON_NULL) Detectors detectors,
    @JsonProperty("train_from") Instant trainFrom,
    @JsonProperty("train_to") Instant trainTo,
    @JsonProperty("train_samples") long trainSamples,
    @JsonProperty("validation_samples") long validationSamples,
    @JsonProperty("hyperparameters") Hyperparameters hyperparameters,
    @JsonProperty("metrics") Map<String, Double> metrics,
    @JsonProperty("djl_version") String djlVersion,
    @JsonProperty("engine") String engine,
    @JsonProperty("code_version") String codeVersion,
    @JsonProperty("files") Map<String, String> files) {

  /** The file name of the manifest inside a version directory; reserved, so a model cannot ship a file of that name. */
  public static final String FILE_NAME = "manifest.json";
  /** The metric the promotion gate compares; every manifest must report it. */
  public static final String VAL_LOSS = "val_loss";

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  private static final ObjectMapper JSON = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES) // forward compatibility, see the class doc
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .addModule(instantsAsText())
      .build();

  /**
   * Mean and standard deviation of every feature over the training set, in vector order; the scorer feeds the model
   * {@code (x - mean) / std}.
   */
  public record Normalisation(@JsonProperty("mean") float[] mean, @JsonProperty("std") float[] std) {
    /** Requires two equally long arrays of finite values, every std &gt; 0 (a zero std would divide by zero). */
    public Normalisation {
      if (mean == null || std == null) throw new IllegalArgumentException("normalisation needs both mean and std");
      if (mean.length != std.length) {
        throw new IllegalArgumentException("normalisation mean has " + mean.length + " values but std has " + std.length);
      }
      for (int i = 0; i < mean.length; i++) {
        if (!Float.isFinite(mean[i])) throw new IllegalArgumentException("normalisation mean[" + i + "] is " + mean[i]);
        if (!(std[i] > 0) || !Float.isFinite(std[i])) {
          throw new IllegalArgumentException("normalisation std[" + i + "] must be finite and > 0, got " + std[i]
              + " (train with std 1 for constant features)");
        }
      }
      mean = mean.clone();
      std = std.clone();
    }

    @Override
    public float[] mean() {
      return mean.clone();
    }

    @Override
    public float[] std() {
      return std.clone();
    }

    /** Number of features. */
    public int dimension() {
      return mean.length;
    }

    // Records compare arrays by identity; manifests must compare by content.
    @Override
    public boolean equals(Object o) {
      return o instanceof Normalisation n && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
      return "Normalisation[dimension=" + mean.length + "]";
    }
  }

  /**
   * The draft manifest of a freshly trained directory (its {@code model.json}), ready for
   * {@link ModelRegistry#publish}: the single place that maps training output onto a manifest.
   */
  public static ModelManifest draft(String name, FeatureSpec spec, ModelMetadata trained, String thresholdMethod,
      Map<String, Double> metrics, Instant trainFrom, Instant trainTo, String codeVersion) {
    return draft(name, spec, trained, thresholdMethod, null, metrics, trainFrom, trainTo, codeVersion);
  }

  /** As {@link #draft(String, FeatureSpec, ModelMetadata, String, Map, Instant, Instant, String)} with detectors. */
  public static ModelManifest draft(String name, FeatureSpec spec, ModelMetadata trained, String thresholdMethod,
      Detectors detectors, Map<String, Double> metrics, Instant trainFrom, Instant trainTo, String codeVersion) {
    return new ModelManifest(name, 0, null, spec.id(), spec, new Normalisation(trained.mean(), trained.std()),
        trained.threshold(), thresholdMethod, trained.calibration(), detectors, trainFrom, trainTo,
        trained.trainWindows(), trained.validationWindows(), trained.hyperparameters(), metrics,
        ai.djl.engine.Engine.getDjlVersion(), trained.engine(), codeVersion, Map.of());
  }

  /** A manifest without a calibration record, as written before it existed. */
  public ModelManifest(String name, int version, Instant created, String specId, FeatureSpec spec,
      Normalisation normalisation, double threshold, String thresholdMethod, Instant trainFrom, Instant trainTo,
      long trainSamples, long validationSamples, Hyperparameters hyperparameters, Map<String, Double> metrics,
      String djlVersion, String engine, String codeVersion, Map<String, String> files) {
    this(name, version, created, specId, spec, normalisation, threshold, thresholdMethod, null, null, trainFrom,
        trainTo, trainSamples, validationSamples, hyperparameters, metrics, djlVersion, engine, codeVersion, files);
  }

  /** A manifest without detectors, as written before they were recorded. */
  public ModelManifest(String name, int version, Instant created, String specId, FeatureSpec spec,
      Normalisation normalisation, double threshold, String thresholdMethod, Calibration calibration,
      Instant trainFrom, Instant trainTo, long trainSamples, long validationSamples, Hyperparameters hyperparameters,
      Map<String, Double> metrics, String djlVersion, String engine, String codeVersion, Map<String, String> files) {
    this(name, version, created, specId, spec, normalisation, threshold, thresholdMethod, calibration, null,
        trainFrom, trainTo, trainSamples, validationSamples, hyperparameters, metrics, djlVersion, engine,
        codeVersion, files);
  }

  /**
   * Validates every field; see the class doc. Version 0 with no created time and no files is a draft. A null
   * {@code calibration} means none was recorded; a published manifest's {@code detectors} must name only files it
   * lists.
   */
  public ModelManifest {
    ModelRef.checkName("model", name);
    if (version < 0) throw new IllegalArgumentException("version must be >= 1 (0 in a draft), got " + version);
    boolean draft = version == 0;
    if (draft != (created == null)) {
      throw new IllegalArgumentException(draft ? "a draft (version 0) has no created time; publishing sets it"
          : "created is required in a published manifest");
    }
    files = files == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(files));
    if (draft && !files.isEmpty()) throw new IllegalArgumentException("a draft lists no files; publishing lists them");
    if (!draft && files.isEmpty()) throw new IllegalArgumentException("files is required in a published manifest");
    files.forEach(ModelManifest::checkFileEntry);
    require("spec_id", specId);
    require("spec", spec);
    if (!specId.equals(spec.id())) {
      throw new IllegalArgumentException("spec_id " + specId + " is not the id of the embedded spec '" + spec.name()
          + "' (" + spec.id() + ")");
    }
    require("normalisation", normalisation);
    if (normalisation.dimension() != spec.dimension()) {
      throw new IllegalArgumentException("normalisation has " + normalisation.dimension() + " values but spec "
          + spec.id() + " has dimension " + spec.dimension());
    }
    if (!Double.isFinite(threshold)) throw new IllegalArgumentException("threshold must be finite, got " + threshold);
    requireText("threshold_method", thresholdMethod);
    require("train_from", trainFrom);
    require("train_to", trainTo);
    if (!trainFrom.isBefore(trainTo)) {
      throw new IllegalArgumentException("train_from " + trainFrom + " must be before train_to " + trainTo);
    }
    if (trainSamples < 1) throw new IllegalArgumentException("train_samples must be >= 1, got " + trainSamples);
    if (validationSamples < 0) {
      throw new IllegalArgumentException("validation_samples must be >= 0, got " + validationSamples);
    }
    require("hyperparameters", hyperparameters);
    require("metrics", metrics);
    metrics.forEach((k, v) -> {
      if (v == null || !Double.isFinite(v)) throw new IllegalArgumentException("metric " + k + " must be finite, got " + v);
    });
    if (!metrics.containsKey(VAL_LOSS)) {
      throw new IllegalArgumentException("metrics must include " + VAL_LOSS + " (the promotion gate compares it), got "
          + metrics.keySet());
    }
    metrics = Collections.unmodifiableMap(new TreeMap<>(metrics));
    if (detectors != null) checkDetectors(detectors, spec, files, draft);
    requireText("djl_version", djlVersion);
    requireText("engine", engine);
    requireText("code_version", codeVersion);
  }

  /** Builds a manifest from JSON fields; every field but {@code calibration} and {@code detectors} is required. Jackson's entry point. */
  @JsonCreator
  static ModelManifest fromJsonFields(
      @JsonProperty(value = "name", required = true) String name,
      @JsonProperty(value = "version", required = true) int version,
      @JsonProperty(value = "created", required = true) Instant created,
      @JsonProperty(value = "spec_id", required = true) String specId,
      @JsonProperty(value = "spec", required = true) FeatureSpec spec,
      @JsonProperty(value = "normalisation", required = true) Normalisation normalisation,
      @JsonProperty(value = "threshold", required = true) double threshold,
      @JsonProperty(value = "threshold_method", required = true) String thresholdMethod,
      @JsonProperty("calibration") Calibration calibration,
      @JsonProperty("detectors") Detectors detectors,
      @JsonProperty(value = "train_from", required = true) Instant trainFrom,
      @JsonProperty(value = "train_to", required = true) Instant trainTo,
      @JsonProperty(value = "train_samples", required = true) long trainSamples,
      @JsonProperty(value = "validation_samples", required = true) long validationSamples,
      @JsonProperty(value = "hyperparameters", required = true) Hyperparameters hyperparameters,
      @JsonProperty(value = "metrics", required = true) Map<String, Double> metrics,
      @JsonProperty(value = "djl_version", required = true) String djlVersion,
      @JsonProperty(value = "engine", required = true) String engine,
      @JsonProperty(value = "code_version", required = true) String codeVersion,
      @JsonProperty(value = "files", required = true) Map<String, String> files) {
    return new ModelManifest(name, version, created, specId, spec, normalisation, threshold, thresholdMethod,
        calibration, detectors, trainFrom, trainTo, trainSamples, validationSamples, hyperparameters, metrics,
        djlVersion, engine, codeVersion, files);
  }

  /** Whether this is a trainer's draft rather than a published manifest. */
  public boolean isDraft() {
    return version == 0;
  }

  /** The validation loss the promotion gate compares. */
  public double valLoss() {
    return metrics.get(VAL_LOSS);
  }

  /** This manifest published as {@code version} at {@code created} with these file checksums. */
  public ModelManifest published(int version, Instant created, Map<String, String> files) {
    if (version < 1) throw new IllegalArgumentException("published versions start at 1, got " + version);
    return new ModelManifest(name, version, created, specId, spec, normalisation, threshold, thresholdMethod,
        calibration, detectors, trainFrom, trainTo, trainSamples, validationSamples, hyperparameters, metrics,
        djlVersion, engine, codeVersion, files);
  }

  /** Indented JSON with fields in declaration order and map keys sorted, ending with a newline. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise manifest of " + name + "/" + version, e);
    }
  }

  /** {@link #toJson()} as UTF-8. */
  public byte[] toJsonBytes() {
    return toJson().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Parses manifest JSON; a missing field, bad value or inconsistency throws {@link ModelException} whose message starts
   * with {@code where} (e.g. "flow-ae/3") and names the field.
   */
  public static ModelManifest fromJson(String json, String where) {
    try {
      return JSON.readValue(json, ModelManifest.class);
    } catch (ValueInstantiationException e) {
      // The constructor's own message is the useful one; Jackson's wrapper only adds its location.
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new ModelException("invalid manifest of " + where + ": " + cause.getMessage(), e);
    } catch (MismatchedInputException e) {
      throw new ModelException("invalid manifest of " + where + ": " + e.getOriginalMessage()
          + (e.getPath().isEmpty() ? "" : " at " + pathOf(e)), e);
    } catch (JsonProcessingException e) {
      throw new ModelException("invalid manifest of " + where + ": not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static String pathOf(MismatchedInputException e) {
    StringBuilder sb = new StringBuilder();
    for (var ref : e.getPath()) {
      if (ref.getFieldName() != null) sb.append(sb.length() == 0 ? "" : ".").append(ref.getFieldName());
      else sb.append('[').append(ref.getIndex()).append(']');
    }
    return sb.toString();
  }

  /**
   * Throws unless {@code path} is a relative file path inside a version directory: '/'-separated, no empty, "." or ".."
   * segment, and not the manifest itself.
   */
  static void checkRelativePath(String path) {
    if (path == null || path.isEmpty() || path.startsWith("/") || path.contains("\\")) {
      throw new IllegalArgumentException("file path '" + path + "' must be relative and use '/'");
    }
    for (String seg : path.split("/", -1)) {
      if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
        throw new IllegalArgumentException("file path '" + path + "' has an empty, '.' or '..' segment");
      }
    }
    if (path.equals(FILE_NAME)) {
      throw new IllegalArgumentException(FILE_NAME + " is reserved for the manifest itself");
    }
  }

  private static void checkFileEntry(String path, String sha256) {
    checkRelativePath(path);
    if (sha256 == null || !SHA256_HEX.matcher(sha256).matches()) {
      throw new IllegalArgumentException("files." + path + " must be a lower-case SHA-256 hex digest, got " + sha256);
    }
  }

  private static void checkDetectors(Detectors d, FeatureSpec spec, Map<String, String> files, boolean draft) {
    boolean prefix = spec.scope() == io.kaminari.features.Scope.DST_PREFIX;
    if (prefix != (d.scopeGroups() != null)) {
      throw new IllegalArgumentException("detectors.scope_groups " + (prefix ? "is required under" : "is only for")
          + " the dst-prefix scope");
    }
    if (draft) return;
    java.util.List<String> needed = new java.util.ArrayList<>();
    if (d.ar() != null) needed.add(d.ar().file());
    if (d.scopeGroups() != null) {
      needed.add(d.scopeGroups().file());
      d.scopeGroups().groups().forEach(g -> needed.add(g.dir() + "/" + ModelMetadata.FILE_NAME));
    }
    for (String f : needed) {
      if (!files.containsKey(f)) throw new IllegalArgumentException("detectors name " + f + ", which files lacks");
    }
  }

  private static void require(String field, Object value) {
    if (value == null) throw new IllegalArgumentException(field + " is required");
  }

  private static void requireText(String field, String value) {
    if (value == null || value.isBlank()) throw new IllegalArgumentException(field + " is required");
  }

  // No jsr310 module on the classpath (and the scorer should not need one): instants are ISO-8601 text.
  private static SimpleModule instantsAsText() {
    SimpleModule m = new SimpleModule("instants-as-text");
    m.addSerializer(Instant.class, new JsonSerializer<>() {
      @Override
      public void serialize(Instant value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
        gen.writeString(value.toString());
      }
    });
    m.addDeserializer(Instant.class, new JsonDeserializer<>() {
      @Override
      public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        String text = p.getValueAsString();
        try {
          return Instant.parse(text);
        } catch (DateTimeParseException | NullPointerException e) {
          return (Instant) ctxt.handleWeirdStringValue(Instant.class, text,
              "expected an ISO-8601 instant such as 2024-05-01T10:00:00Z");
        }
      }
    });
    return m;
  }

  /** The shared mapper (instants as text), for the registry's other small JSON files. */
  static ObjectMapper json() {
    return JSON;
  }
}
