package io.kaminari.common;

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
}
