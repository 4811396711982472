package io.kaminari.common;

import io.kaminari.flow.FlowSchema;

/**
 * Column names of Kaminari's tables other than the flow columns of {@link FlowSchema}: source coordinates, landing
 * metadata, quarantine and partition columns. Declared once; the DDL in {@code sql/tables} uses the same names (a test
 * checks it).
 */
public final class Columns {
  private Columns() {}

  /** Kafka topic, or the file's URI for file landing (topic names cannot hold ':' or '/', so they never collide). */
  public static final String SOURCE = "source";
  /** Kafka partition; -1 for files. */
  public static final String SOURCE_PARTITION = "source_partition";
  /** Kafka offset; line number for files. */
  public static final String SOURCE_OFFSET = "source_offset";
  /** Index of a JSON object within a multi-value message. */
  public static final String SOURCE_INDEX = "source_index";
  public static final String ARRIVAL_TIME = "arrival_time";
  public static final String VALUE = "value";
  public static final String LANDED_AT = "landed_at";
  public static final String LANDING_RUN = "landing_run";
  public static final String RAW = "raw";
  public static final String REASON = "reason";
  public static final String COMPACTED_AT = "compacted_at";
  /** Partition column: UTC date, yyyy-MM-dd. */
  public static final String DT = "dt";
  /** Partition column: UTC hour, 0-23. */
  public static final String HOUR = "hour";

  /** Partition column of port_vectors (and column of feature_specs): {@code FeatureSpec.id()}. */
  public static final String SPEC_ID = "spec_id";
  /** Window start, inclusive, UTC. */
  public static final String WINDOW_START = "window_start";
  /** Window end, exclusive, UTC. */
  public static final String WINDOW_END = "window_end";
  /** {@code global} or {@code dst-prefix}. */
  public static final String SCOPE = "scope";
  public static final String SCOPE_KEY = "scope_key";
  public static final String VECTOR = "vector";
  /** port_vectors: flow records of the window and key (the flows table's own {@code flows} column is pmacct's). */
  public static final String VECTOR_FLOWS = "flows";
  /** port_vectors: packets of the window and key, scaled by the sampling rate. */
  public static final String VECTOR_PACKETS = "packets";
  /** port_vectors: distinct source addresses of the window and key (exact to 1,024, then estimated). */
  public static final String SOURCES = "sources";
  /** port_vectors: the window's top destination prefixes by packets, with their share (global scope). */
  public static final String TOP_DST_PREFIXES = "top_dst_prefixes";
  /** port_vectors: the top source addresses by packets, with their share. */
  public static final String TOP_SOURCES = "top_sources";
  /** port_vectors: the top destination ports by packets, with their share. */
  public static final String TOP_DST_PORTS = "top_dst_ports";
  /** port_vectors: how many of the row's distinct counts and top-talker lists are estimates (0 = all exact). */
  public static final String ESTIMATED_COUNTS = "estimated_counts";
  /** port_vectors: flow records to the window's busiest destination address (global scope; 0 under dst-prefix). */
  public static final String BUSIEST_DST_FLOWS = "busiest_dst_flows";
  /** port_vectors: flow records of the window's busiest (source, destination) address pair (global scope; else 0). */
  public static final String BUSIEST_PAIR_FLOWS = "busiest_pair_flows";
  /** port_vectors: the window's service ports, increasing (global scope; null under dst-prefix and in older rows). */
  public static final String SERVICE_PORTS = "service_ports";
  public static final String SPEC_NAME = "name";
  public static final String DIMENSION = "dimension";
  public static final String SPEC_JSON = "spec_json";
  public static final String CREATED_AT = "created_at";

  /**
   * anomaly_scores: the production verdict's score, {@code max(ae / ae_threshold, ar / ar_threshold)} (before the
   * detectors field: the autoencoder's mean squared reconstruction error).
   */
  public static final String SCORE = "score";
  /** anomaly_scores: the verdict's threshold, 1.0 (before the detectors field: the autoencoder's). */
  public static final String THRESHOLD = "threshold";
  public static final String IS_ANOMALY = "is_anomaly";
  /** anomaly_scores: the autoencoder's top features, the AR's top series and the window's top talkers, as text. */
  public static final String EXPLANATION = "explanation";
  /** anomaly_scores: the autoencoder's score (mean squared reconstruction error). */
  public static final String AE_SCORE = "ae_score";
  public static final String AE_THRESHOLD = "ae_threshold";
  /** anomaly_scores: the AR forecaster's score (largest upward standardised forecast residual), null without one. */
  public static final String AR_SCORE = "ar_score";
  public static final String AR_THRESHOLD = "ar_threshold";
  /**
   * anomaly_scores: which detectors fired: {@code none}, {@code ae}, {@code ar} or {@code ae+ar}; under
   * {@code dst-prefix} also {@code rate} or {@code ae+rate} (the prefix rate).
   */
  public static final String FIRED = "fired";
  /** anomaly_scores: the scope key's traffic-level group under dst-prefix, null under global. */
  public static final String TRAFFIC_GROUP = "traffic_group";
  public static final String MODEL_NAME = "model_name";
  public static final String MODEL_VERSION = "model_version";
  public static final String SCORED_AT = "scored_at";

  /** job_runs: the job ({@code land}, {@code compact}, {@code features}, ...). */
  public static final String JOB = "job";
  /** job_runs: {@code SUCCEEDED} or {@code FAILED}. */
  public static final String STATUS = "status";
  public static final String FINISHED = "finished";
  /** job_runs: the event hours ({@code yyyy-MM-ddTHH}) whose partitions the run wrote. */
  public static final String EVENT_HOURS = "event_hours";

  /** incidents: a deterministic id, the first 16 hex digits of SHA-256(model name, scope, victim, start). */
  public static final String INCIDENT_ID = "incident_id";
  /** incidents: the destination prefix (dst-prefix: the scope key; global: the window's top destination prefix). */
  public static final String VICTIM = "victim";
  /** incidents: the start of the first anomalous window (UTC). */
  public static final String START_TIME = "start_time";
  /** incidents: the end of the last anomalous window (UTC). */
  public static final String LAST_UPDATE = "last_update";
  /** incidents: the end of the last anomalous window once the quiet windows after it were seen; null while open. */
  public static final String END_TIME = "end_time";
  /** incidents: how many anomalous windows the incident holds. */
  public static final String ANOMALOUS_WINDOWS = "anomalous_windows";
  public static final String PEAK_SCORE = "peak_score";
  /** incidents: the largest packets per second to the victim over the incident's windows (sampling-scaled). */
  public static final String PEAK_PPS = "peak_pps";
  public static final String PEAK_BPS = "peak_bps";
  /** incidents: the largest flow records per second to the victim over the incident's windows. */
  public static final String PEAK_FPS = "peak_fps";
  /** incidents: the attack vector's IP protocol numbers. */
  public static final String PROTOCOLS = "protocols";
  /** incidents: the attack vector's destination ports; empty when they are spread (any port). */
  public static final String DST_PORTS = "dst_ports";
  /** incidents: the well-known reflection source ports (53, 123, ...) the attack comes from; empty if none. */
  public static final String REFLECTED_SRC_PORTS = "reflected_src_ports";
  public static final String PACKET_LENGTH_MIN = "packet_length_min";
  public static final String PACKET_LENGTH_MAX = "packet_length_max";
  /** incidents: the share of the victim's packets the attack vector matches. */
  public static final String VECTOR_SHARE = "vector_share";
  /** incidents: the attack vector as text, e.g. {@code tcp dst port 80 flags SYN (97% of packets)}. */
  public static final String ATTACK_VECTOR = "attack_vector";
  /** incidents: the top source ASNs with their share ({@code AS64500 (40%)}); empty when flows carry none. */
  public static final String TOP_SOURCE_ASNS = "top_source_asns";
  /** incidents: the victim's top destination addresses with their share ({@code 203.0.113.10 (98%)}). */
  public static final String TOP_DESTINATIONS = "top_destinations";
  /** incidents: whether the vector's non-first fragments are part of it ({@code AttackVector#fragments}). */
  public static final String VECTOR_FRAGMENTS = "vector_fragments";
}
