package io.kaminari.pipeline;

import io.kaminari.common.Columns;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.analysis.NoSuchDatabaseException;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.catalyst.catalog.SessionCatalog;
import scala.collection.JavaConverters;
import scala.Option;

/**
 * The Hive database, tables and analyst views of Kaminari, created from the DDL in {@code sql/tables} and
 * {@code sql/views} (bundled in the jar).
 *
 * <p>{@link #ensure} is idempotent ({@code CREATE ... IF NOT EXISTS} for tables, {@code CREATE OR REPLACE} for views)
 * and every job calls it (cheaply once the DDL is in place), so a fresh metastore needs no separate set-up;
 * {@code kaminari init} runs the same thing on its own.
 */
public final class Warehouse {
  private Warehouse() {}

  public static final String DATABASE = "kaminari";
  public static final String FLOWS_LANDING = DATABASE + ".flows_landing";
  public static final String FLOWS = DATABASE + ".flows";
  public static final String FLOWS_REJECTED = DATABASE + ".flows_rejected";
  public static final String JOB_RUNS = DATABASE + ".job_runs";
  public static final String PORT_VECTORS = DATABASE + ".port_vectors";
  public static final String FEATURE_SPECS = DATABASE + ".feature_specs";
  public static final String ANOMALY_SCORES = DATABASE + ".anomaly_scores";
  public static final String MODEL_VERSIONS = DATABASE + ".model_versions";
  public static final String INCIDENTS = DATABASE + ".incidents";

  /** The tables partitioned by time ({@code dt}, most also {@code hour}): what retention applies to. */
  public static final List<String> PARTITIONED_TABLES =
      List.of(FLOWS_LANDING, FLOWS, FLOWS_REJECTED, PORT_VECTORS, ANOMALY_SCORES, INCIDENTS);

  /** The DDL files, in the order they must run (the database first). A test checks this lists every file. */
  public static final List<String> DDL_FILES =
      List.of("00_database.sql", "flows_landing.sql", "flows.sql", "flows_rejected.sql", "job_runs.sql",
          "port_vectors.sql", "feature_specs.sql", "anomaly_scores.sql", "model_versions.sql", "incidents.sql");

  /**
   * The analyst views in {@code sql/views}, applied after the tables (a view may read another view listed before it).
   * A test checks this lists every file.
   */
  public static final List<String> VIEW_FILES =
      List.of("v_traffic_hourly.sql", "v_top_talkers.sql", "v_port_usage.sql", "v_anomalies.sql",
          "v_anomaly_flows.sql", "v_model_history.sql", "v_incidents.sql");

  /**
   * Columns added to a table after its first release, as {@code table.column}, in the order of their table's DDL file,
   * which declares their type and comment ({@link #declaration}): {@code CREATE TABLE IF NOT EXISTS} leaves a table
   * created before as it was, so {@link #ensure} adds them to it, after its other data columns as in a new table. Rows
   * written before read them as null.
   */
  static final List<String> ADDED_COLUMNS = List.of(
      JOB_RUNS + "." + Columns.EVENT_HOURS,
      PORT_VECTORS + "." + Columns.SOURCES,
      PORT_VECTORS + "." + Columns.TOP_DST_PREFIXES,
      PORT_VECTORS + "." + Columns.TOP_SOURCES,
      PORT_VECTORS + "." + Columns.TOP_DST_PORTS,
      PORT_VECTORS + "." + Columns.ESTIMATED_COUNTS,
      ANOMALY_SCORES + "." + Columns.AE_SCORE,
      ANOMALY_SCORES + "." + Columns.AE_THRESHOLD,
      ANOMALY_SCORES + "." + Columns.AR_SCORE,
      ANOMALY_SCORES + "." + Columns.AR_THRESHOLD,
      ANOMALY_SCORES + "." + Columns.FIRED,
      ANOMALY_SCORES + "." + Columns.TRAFFIC_GROUP);

  /** Database property holding the digest of the bundled DDL last applied (see {@link #ensure}). */
  static final String DDL_DIGEST = "kaminari.ddl-digest";

  /**
   * Creates the database and every table that does not exist yet, then (re)creates the views. Skipped when the
   * database already records this jar's DDL digest and holds every table and view: applying the DDL costs about a
   * second of metastore calls, which every job would otherwise pay.
   */
  public static void ensure(SparkSession spark) {
    String digest = ddlDigest();
    SessionCatalog catalog = spark.sessionState().catalog();
    if (catalog.databaseExists(DATABASE)
        && digest.equals(catalog.getDatabaseMetadata(DATABASE).properties().getOrElse(DDL_DIGEST, () -> null))
        && objects(catalog).containsAll(expectedObjects())) {
      return;
    }
    for (String file : DDL_FILES) {
      for (String stmt : statements(readDdl(file))) {
        spark.sql(stmt);
      }
    }
    for (String column : ADDED_COLUMNS) {
      String table = column.substring(0, column.lastIndexOf('.'));
      String name = column.substring(table.length() + 1);
      if (!Arrays.asList(spark.table(table).columns()).contains(name)) {
        spark.sql("ALTER TABLE " + table + " ADD COLUMNS (" + name + " " + declaration(column) + ")");
      }
    }
    // CREATE OR REPLACE: a new jar's view text replaces the old one, and a view over a missing column fails here.
    for (String file : VIEW_FILES) {
      for (String stmt : statements(readSql("views/" + file))) {
        spark.sql(stmt);
      }
    }
    spark.sql("ALTER DATABASE " + DATABASE + " SET DBPROPERTIES ('" + DDL_DIGEST + "'='" + digest + "')");
  }

  /**
   * The type and comment of {@code table.column} as its table's DDL file declares it, e.g.
   * {@code BIGINT COMMENT '...'}: the text after the column name on its line, without the separating comma (and with
   * one blank before {@code COMMENT}, however the file aligns it).
   *
   * @throws IllegalStateException if the file declares no such column
   */
  static String declaration(String column) {
    String table = column.substring(DATABASE.length() + 1, column.lastIndexOf('.'));
    String name = column.substring(column.lastIndexOf('.') + 1);
    for (String line : readDdl(table + ".sql").split("\n")) {
      String t = line.strip();
      if (t.startsWith(name + " ") && !t.startsWith("CREATE")) {
        // The type and its comment, one blank apart whatever the file's alignment.
        t = t.substring(name.length()).strip().replaceFirst("\\s+COMMENT '", " COMMENT '");
        return t.endsWith(",") ? t.substring(0, t.length() - 1) : t;
      }
    }
    throw new IllegalStateException("sql/tables/" + table + ".sql declares no column " + name);
  }

  /** The names of the tables and views in the database (not temporary views). */
  static Set<String> objects(SessionCatalog catalog) {
    return JavaConverters.seqAsJavaList(catalog.listTables(DATABASE, "*", false)).stream()
        .map(TableIdentifier::table).collect(Collectors.toSet());
  }

  /** The tables and views the DDL creates: each file is named after the object it creates. */
  static Set<String> expectedObjects() {
    return Stream.concat(DDL_FILES.stream().skip(1), VIEW_FILES.stream())
        .map(f -> f.substring(0, f.length() - ".sql".length())).collect(Collectors.toSet());
  }

  /** SHA-256 of every bundled DDL and view file, in the order they are applied. */
  static String ddlDigest() {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      Stream.concat(DDL_FILES.stream().map(f -> "tables/" + f), VIEW_FILES.stream().map(f -> "views/" + f))
          .forEach(f -> sha.update(readSql(f).getBytes(StandardCharsets.UTF_8)));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The text of a bundled DDL file. */
  public static String readDdl(String file) {
    return readSql("tables/" + file);
  }

  /** The text of a bundled file under {@code sql/}, e.g. {@code views/v_anomalies.sql}. */
  public static String readSql(String file) {
    String path = "/sql/" + file;
    try (InputStream in = Warehouse.class.getResourceAsStream(path)) {
      if (in == null) throw new IllegalStateException("DDL " + path + " is missing from the classpath");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Splits SQL text into statements: drops {@code --} comment lines, splits at a {@code ;} ending a line. */
  public static List<String> statements(String sql) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String line : sql.split("\n")) {
      String t = line.strip();
      if (t.startsWith("--") || t.isEmpty()) continue;
      cur.append(line).append('\n');
      if (t.endsWith(";")) {
        out.add(cur.substring(0, cur.lastIndexOf(";")).strip());
        cur.setLength(0);
      }
    }
    if (!cur.toString().isBlank()) out.add(cur.toString().strip());
    return out;
  }

  /** {@code qualifiedTable} (one of the constants above) moved to {@code database}, e.g. for a benchmark's copy. */
  public static String inDatabase(String qualifiedTable, String database) {
    return database + qualifiedTable.substring(qualifiedTable.indexOf('.'));
  }

  /** The storage location (URI) of a {@code db.table}. */
  public static String location(SparkSession spark, String qualifiedTable) {
    String[] parts = qualifiedTable.split("\\.");
    try {
      return spark.sessionState().catalog()
          .getTableMetadata(new TableIdentifier(parts[1], Option.apply(parts[0])))
          .location().toString();
    } catch (NoSuchDatabaseException | NoSuchTableException e) {
      throw new IllegalStateException("table " + qualifiedTable + " does not exist (run `kaminari init`)", e);
    }
  }
}
