package io.kaminari.features;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.kaminari.common.StrictJson;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The fixed layout of a feature vector: window length, scope, the ordered source and destination port lists, the
 * per-port features and whether the two "other" buckets are present; identified by {@link #id()}, a hash of the layout
 * alone.
 *
 * <p>Vector layout: one slot per listed source port (in list order), then the "other source port" slot when
 * {@code otherBuckets}, then one slot per listed destination port, then the "other destination port" slot; each slot
 * holds {@link #features()} in list order. So the seed spec's 64 values are {@code src_port 4010 pps, src_port 4010
 * dst_ports, src_port 0 pps, ..., dst_port other src_ports}; {@link #featureNames()} names every value.
 *
 * <p>{@code name} and {@code description} are documentation only: they stay out of the id so that renaming a spec
 * does not orphan the vectors and models built with it, while any layout change (including reordering ports) changes
 * the id, because it changes what each vector position means.
 *
 * <p>Windows must be whole minutes that divide an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60 min) so that every
 * window is epoch-aligned and no window straddles an hour or a UTC day, which keeps hourly/daily partitions of vectors
 * self-contained.
 */
@JsonPropertyOrder({"name", "description", "window_seconds", "scope", "ipv4_prefix_length", "ipv6_prefix_length",
    "src_ports", "dst_ports", "features", "other_buckets"})
public record FeatureSpec(
    @JsonProperty("name") String name,
    @JsonProperty("description") String description,
    @JsonProperty("window_seconds") int windowSeconds,
    @JsonProperty("scope") Scope scope,
    @JsonProperty("ipv4_prefix_length") int ipv4PrefixLength,
    @JsonProperty("ipv6_prefix_length") int ipv6PrefixLength,
    @JsonProperty("src_ports") List<Integer> srcPorts,
    @JsonProperty("dst_ports") List<Integer> dstPorts,
    @JsonProperty("features") List<PortFeature> features,
    @JsonProperty("other_buckets") boolean otherBuckets) implements Serializable {

  public static final int DEFAULT_WINDOW_SECONDS = 300;
  public static final int DEFAULT_IPV4_PREFIX_LENGTH = 24;
  public static final int DEFAULT_IPV6_PREFIX_LENGTH = 64;
  public static final List<PortFeature> DEFAULT_FEATURES = List.of(PortFeature.PPS, PortFeature.OPPOSITE_PORTS);

  /** The seed talk's 15 source ports, in the talk's table order. */
  public static final List<Integer> SEED_SRC_PORTS =
      List.of(4010, 0, 80, 53, 443, 4610, 3379, 1024, 15000, 3074, 25, 49186, 7779, 51216, 55362);
  /** The seed talk's 15 destination ports, in the talk's table order. */
  public static final List<Integer> SEED_DST_PORTS =
      List.of(80, 443, 53, 25, 8888, 8080, 123, 0, 110, 3389, 22, 3306, 1433, 587, 21);

  private static final int MAX_PORT = 65535;

  /** Validates every field (throwing {@link IllegalArgumentException} naming the field) and freezes the lists. */
  public FeatureSpec {
    name = name == null ? "" : name;
    description = description == null ? "" : description;
    if (windowSeconds < 60 || windowSeconds > 3600 || windowSeconds % 60 != 0 || 3600 % windowSeconds != 0) {
      throw new IllegalArgumentException("window_seconds must be a whole number of minutes that divides an hour"
          + " (60, 120, 180, 240, 300, 360, 600, 720, 900, 1200, 1800, 3600), got " + windowSeconds);
    }
    if (scope == null) {
      throw new IllegalArgumentException("scope is required: \"global\" or \"dst-prefix\"");
    }
    if (ipv4PrefixLength < 1 || ipv4PrefixLength > 32) {
      throw new IllegalArgumentException("ipv4_prefix_length must be 1..32, got " + ipv4PrefixLength);
    }
    if (ipv6PrefixLength < 1 || ipv6PrefixLength > 128) {
      throw new IllegalArgumentException("ipv6_prefix_length must be 1..128, got " + ipv6PrefixLength);
    }
    srcPorts = checkPorts("src_ports", srcPorts);
    dstPorts = checkPorts("dst_ports", dstPorts);
    if (features == null || features.isEmpty()) {
      throw new IllegalArgumentException("features must list at least one of " + jsonNames(EnumSet.allOf(PortFeature.class)));
    }
    if (features.stream().anyMatch(f -> f == null)) {
      throw new IllegalArgumentException("features must not contain null");
    }
    if (EnumSet.copyOf(features).size() != features.size()) {
      throw new IllegalArgumentException("features must not repeat a feature, got " + jsonNames(features));
    }
    features = List.copyOf(features);
    if (srcPorts.isEmpty() && dstPorts.isEmpty() && !otherBuckets) {
      throw new IllegalArgumentException("the vector would be empty: list some ports or set other_buckets");
    }
  }

  /**
   * The seed talk's port table (15 source and 15 destination ports, pps and distinct opposite ports per port) in 5-minute
   * windows, plus the two "other" buckets.
   */
  public static FeatureSpec seed(Scope scope) {
    return new FeatureSpec("seed-" + scope.jsonName(),
        "The seed talk's port table: 15 source and 15 destination ports, packets/s and distinct opposite ports per port,"
            + " plus the 'other' source and destination buckets; 5-minute windows.",
        DEFAULT_WINDOW_SECONDS, scope, DEFAULT_IPV4_PREFIX_LENGTH, DEFAULT_IPV6_PREFIX_LENGTH,
        SEED_SRC_PORTS, SEED_DST_PORTS, DEFAULT_FEATURES, true);
  }

  /** Builds a spec from JSON fields, applying the defaults to the optional ones; Jackson's entry point. */
  @JsonCreator
  static FeatureSpec fromJsonFields(
      @JsonProperty("name") String name,
      @JsonProperty("description") String description,
      @JsonProperty("window_seconds") Integer windowSeconds,
      @JsonProperty(value = "scope", required = true) Scope scope,
      @JsonProperty("ipv4_prefix_length") Integer ipv4PrefixLength,
      @JsonProperty("ipv6_prefix_length") Integer ipv6PrefixLength,
      @JsonProperty(value = "src_ports", required = true) List<Integer> srcPorts,
      @JsonProperty(value = "dst_ports", required = true) List<Integer> dstPorts,
      @JsonProperty("features") List<PortFeature> features,
      @JsonProperty("other_buckets") Boolean otherBuckets) {
    return new FeatureSpec(name, description,
        windowSeconds == null ? DEFAULT_WINDOW_SECONDS : windowSeconds, scope,
        ipv4PrefixLength == null ? DEFAULT_IPV4_PREFIX_LENGTH : ipv4PrefixLength,
        ipv6PrefixLength == null ? DEFAULT_IPV6_PREFIX_LENGTH : ipv6PrefixLength,
        srcPorts, dstPorts, features == null ? DEFAULT_FEATURES : features, otherBuckets == null || otherBuckets);
  }

  /** Parses spec JSON; unknown fields, bad values and invalid layouts throw {@link IllegalArgumentException}. */
  public static FeatureSpec fromJson(String json) {
    return StrictJson.parse(json, FeatureSpec.class, "feature spec");
  }

  /** Reads a spec file; errors name the file. */
  public static FeatureSpec read(Path file) {
    return StrictJson.read(file, FeatureSpec.class, "feature spec");
  }

  /** This spec as indented JSON, fields in declaration order, ending with a newline; {@link #fromJson} reads it back. */
  public String toJson() {
    return StrictJson.write(this, "feature spec");
  }

  /**
   * The stable id: the first 16 hex digits of SHA-256 over {@link #canonicalLayout()}; equal for specs with the same
   * layout whatever their name or description.
   */
  public String id() {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(canonicalLayout().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must provide SHA-256", e);
    }
  }

  /**
   * The layout fields as compact JSON with a fixed field order, written by hand rather than by Jackson so that the id
   * cannot shift with a library upgrade or mapper setting.
   */
  public String canonicalLayout() {
    return "{\"window_seconds\":" + windowSeconds
        + ",\"scope\":\"" + scope.jsonName() + '"'
        + ",\"ipv4_prefix_length\":" + ipv4PrefixLength
        + ",\"ipv6_prefix_length\":" + ipv6PrefixLength
        + ",\"src_ports\":" + srcPorts.stream().map(String::valueOf).collect(Collectors.joining(",", "[", "]"))
        + ",\"dst_ports\":" + dstPorts.stream().map(String::valueOf).collect(Collectors.joining(",", "[", "]"))
        + ",\"features\":" + features.stream().map(f -> '"' + f.jsonName() + '"').collect(Collectors.joining(",", "[", "]"))
        + ",\"other_buckets\":" + otherBuckets + "}";
  }

  /** Number of port slots: the listed ports plus the two "other" buckets when present. */
  public int slotCount() {
    return srcPorts.size() + dstPorts.size() + (otherBuckets ? 2 : 0);
  }

  /** Length of the vector: slots × features. */
  public int dimension() {
    return slotCount() * features.size();
  }

  /** A readable name for every vector position, in order, e.g. {@code src_port 80 pps}, {@code dst_port other src_ports}. */
  public List<String> featureNames() {
    List<String> names = new ArrayList<>(dimension());
    addSlotNames(names, "src_port ", srcPorts, true);
    addSlotNames(names, "dst_port ", dstPorts, false);
    return List.copyOf(names);
  }

  /** Window length in microseconds, the unit of flow timestamps. */
  public long windowMicros() {
    return windowSeconds * 1_000_000L;
  }

  private void addSlotNames(List<String> names, String prefix, List<Integer> ports, boolean sourceSide) {
    List<String> labels = new ArrayList<>();
    ports.forEach(p -> labels.add(prefix + p));
    if (otherBuckets) {
      labels.add(prefix + "other");
    }
    for (String label : labels) {
      for (PortFeature f : features) {
        names.add(label + ' ' + f.slotLabel(sourceSide));
      }
    }
  }

  private static List<Integer> checkPorts(String field, List<Integer> ports) {
    if (ports == null) {
      throw new IllegalArgumentException(field + " is required (it may be an empty list)");
    }
    Set<Integer> seen = new HashSet<>();
    for (Integer p : ports) {
      if (p == null || p < 0 || p > MAX_PORT) {
        throw new IllegalArgumentException(field + " must hold ports 0..65535, got " + p);
      }
      if (!seen.add(p)) {
        throw new IllegalArgumentException(field + " lists port " + p + " twice");
      }
    }
    return List.copyOf(ports);
  }

  private static String jsonNames(Iterable<PortFeature> features) {
    List<String> names = new ArrayList<>();
    features.forEach(f -> names.add(f.jsonName()));
    return names.toString();
  }
}
