package io.kaminari.pipeline;

import io.kaminari.common.Columns;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
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
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.analysis.NoSuchDatabaseException;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.catalyst.catalog.CatalogTableType;
import org.apache.spark.sql.catalyst.catalog.SessionCatalog;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.JavaConverters;

/**
 * The Hive database, tables and analyst views of Kaminari, created from the DDL in {@code sql/tables} and
 * {@code sql/views} (bundled in the jar), in the database {@code warehouse.database} names.
 *
 * <p>The schema changes in one place only: {@link #ensure}, which {@code kaminari init} runs. It creates what is
 * missing and migrates an older schema to this jar's {@link #SCHEMA_VERSION}. Jobs and {@code kaminari sql} only
 * {@link #open} the database: they check its version and never run DDL, so an analyst needs no write rights.
 *
 * <p>The table constants are unqualified names: {@link #open} and {@link #ensure} make the configured database the
 * session's current one, so every job reads and writes there, and the views, created in it, refer to its tables.
 */
public final class Warehouse {
  private Warehouse() {}

  private static final Logger LOG = LoggerFactory.getLogger(Warehouse.class);

  public static final String FLOWS_LANDING = "flows_landing";
  public static final String FLOWS = "flows";
  public static final String FLOWS_REJECTED = "flows_rejected";
  public static final String JOB_RUNS = "job_runs";
  public static final String PORT_VECTORS = "port_vectors";
  public static final String FEATURE_SPECS = "feature_specs";
  public static final String ANOMALY_SCORES = "anomaly_scores";
  public static final String MODEL_VERSIONS = "model_versions";
  public static final String INCIDENTS = "incidents";

  /** The tables partitioned by time ({@code dt}, most also {@code hour}): what retention applies to. */
  public static final List<String> PARTITIONED_TABLES =
      List.of(FLOWS_LANDING, FLOWS, FLOWS_REJECTED, PORT_VECTORS, ANOMALY_SCORES, INCIDENTS);

  /** The file creating the database, with {@value #DATABASE_VARIABLE} for its name; the table files follow it. */
  static final String DATABASE_FILE = "00_database.sql";
  /** What {@link #DATABASE_FILE} names the database by: Hive's variable syntax, so that beeline can run it too. */
  static final String DATABASE_VARIABLE = "${hivevar:kaminari_db}";

  /** The DDL files, in the order they must run (the database first). A test checks this lists every file. */
  public static final List<String> DDL_FILES =
      List.of(DATABASE_FILE, "flows_landing.sql", "flows.sql", "flows_rejected.sql", "job_runs.sql",
          "port_vectors.sql", "feature_specs.sql", "anomaly_scores.sql", "model_versions.sql", "incidents.sql");

  /** The files of {@link #DDL_FILES} that create a table: all but the database's. */
  private static final List<String> TABLE_FILES = DDL_FILES.subList(1, DDL_FILES.size());

  /**
   * The analyst views in {@code sql/views}, applied after the tables (a view may read another view listed before it).
   * A test checks this lists every file.
   */
  public static final List<String> VIEW_FILES =
      List.of("v_traffic_hourly.sql", "v_top_talkers.sql", "v_port_usage.sql", "v_anomalies.sql",
          "v_anomaly_flows.sql", "v_model_history.sql", "v_incidents.sql");

  /**
   * The version of the schema the bundled DDL describes. Bump it with every change to the statements of
   * {@code sql/tables} or {@code sql/views} ({@code WarehouseTest} pins their digest, so a change without a bump fails),
   * and teach {@link #ensure} the migration if {@code CREATE ... IF NOT EXISTS} and {@link #ADDED_COLUMNS} do not
   * cover it.
   * A database written before versions were recorded counts as version 0.
   */
  public static final int SCHEMA_VERSION = 5;

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
      PORT_VECTORS + "." + Columns.BUSIEST_DST_FLOWS,
      PORT_VECTORS + "." + Columns.BUSIEST_PAIR_FLOWS,
      PORT_VECTORS + "." + Columns.SERVICE_PORTS,
      ANOMALY_SCORES + "." + Columns.AE_SCORE,
      ANOMALY_SCORES + "." + Columns.AE_THRESHOLD,
      ANOMALY_SCORES + "." + Columns.AR_SCORE,
      ANOMALY_SCORES + "." + Columns.AR_THRESHOLD,
      ANOMALY_SCORES + "." + Columns.FIRED,
      ANOMALY_SCORES + "." + Columns.TRAFFIC_GROUP,
      INCIDENTS + "." + Columns.VECTOR_FRAGMENTS);

  /** Database property holding the schema version {@link #ensure} last migrated the database to. */
  static final String VERSION_PROPERTY = "kaminari.schema-version";
  /** Database property holding the digest of the bundled DDL last applied (see {@link #ensure}). */
  static final String DDL_DIGEST = "kaminari.ddl-digest";

  /**
   * Where the tables live: the database, and for external tables the location under which each table has its
   * directory ({@code <externalLocation>/<table>}); empty for managed tables under the warehouse directory.
   */
  public record Target(String database, String externalLocation) {
    public Target {
      externalLocation = externalLocation.replaceAll("/+$", "");
      if (externalLocation.contains("'")) {
        throw new IllegalArgumentException("warehouse.external-location must not contain a quote: " + externalLocation);
      }
    }

    /** The target the configuration names ({@code warehouse.database}, {@code warehouse.external-location}). */
    public static Target of(KaminariConfig config) {
      return new Target(config.get(Settings.DATABASE), config.get(Settings.EXTERNAL_LOCATION));
    }

    public boolean external() {
      return !externalLocation.isEmpty();
    }

    /** The directory of {@code table} of an external target: {@code <externalLocation>/<table>}. */
    String location(String table) {
      return externalLocation + "/" + table;
    }

    /** {@code table} qualified with the database, e.g. {@code kaminari.flows}. */
    public String qualified(String table) {
      return database + "." + table;
    }
  }

  /**
   * Makes {@code target}'s database the session's current one after checking that {@code kaminari init} migrated it
   * to this jar's schema. Runs no DDL.
   *
   * @param strict whether a schema of another version fails (jobs, which write) or is only logged (readers such as
   *     {@code kaminari sql}: an older schema still answers most queries)
   * @throws IllegalStateException if the database does not exist, or (strict) holds another schema version
   */
  public static void open(SparkSession spark, Target target, boolean strict) {
    SessionCatalog catalog = spark.sessionState().catalog();
    String db = target.database();
    if (!catalog.databaseExists(db)) {
      throw new IllegalStateException("the database " + db + " does not exist: run `kaminari init` first, which"
          + " creates it (the jobs and `kaminari sql` never change the schema)");
    }
    int version = recordedVersion(catalog, db);
    if (version != SCHEMA_VERSION) {
      String problem = "the database " + db + " holds Kaminari schema version " + version + ", this jar's is "
          + SCHEMA_VERSION + ": " + (version > SCHEMA_VERSION
              ? "a newer Kaminari migrated it; run that release"
              : "run `kaminari init` (with write rights) to migrate it");
      if (strict) throw new IllegalStateException(problem);
      LOG.warn("{}; reading it as it is", problem);
    }
    spark.catalog().setCurrentDatabase(db);
  }

  /**
   * Creates {@code target}'s database and every table and view that does not exist yet, migrates tables created by an
   * older schema ({@link #ADDED_COLUMNS}, and each column's comment to the DDL's), replaces the views with this jar's,
   * records {@link #SCHEMA_VERSION}, and makes the database the session's current one. Idempotent; skipped, but for
   * the layout check, when the database already records this jar's version and DDL digest and holds every table and
   * view (the DDL costs about a second of metastore calls).
   *
   * @throws IllegalStateException if a newer Kaminari migrated the database, or a table is not where {@code target}
   *     puts it (managed versus external, or another external location): init never moves data
   */
  public static void ensure(SparkSession spark, Target target) {
    String digest = ddlDigest();
    SessionCatalog catalog = spark.sessionState().catalog();
    String db = target.database();
    if (catalog.databaseExists(db)) {
      int version = recordedVersion(catalog, db);
      if (version > SCHEMA_VERSION) {
        throw new IllegalStateException("the database " + db + " holds Kaminari schema version " + version
            + ", newer than this jar's " + SCHEMA_VERSION + ": init never downgrades; run the newer release");
      }
      if (version == SCHEMA_VERSION && digest.equals(property(catalog, db, DDL_DIGEST))
          && objects(catalog, db).containsAll(expectedObjects())) {
        spark.catalog().setCurrentDatabase(db);
        checkLayout(spark, target);
        return;
      }
    }
    for (String stmt : statements(readDdl(DATABASE_FILE).replace(DATABASE_VARIABLE, db))) {
      spark.sql(stmt);
    }
    spark.catalog().setCurrentDatabase(db);
    for (String file : TABLE_FILES) {
      String table = objectName(file);
      for (String stmt : statements(readDdl(file))) {
        // Clauses of CREATE TABLE may come in any order in Spark SQL: LOCATION last makes the table external.
        spark.sql(target.external() ? stmt + "\nLOCATION '" + target.location(table) + "'" : stmt);
      }
    }
    checkLayout(spark, target);
    for (String column : ADDED_COLUMNS) {
      String table = column.substring(0, column.lastIndexOf('.'));
      String name = column.substring(table.length() + 1);
      if (!Arrays.asList(spark.table(table).columns()).contains(name)) {
        spark.sql("ALTER TABLE " + table + " ADD COLUMNS (" + name + " " + declaration(column) + ")");
      }
    }
    // CREATE TABLE IF NOT EXISTS leaves an older table's column comments as they were: what a column holds is said
    // where analysts read it (DESCRIBE), so they follow the DDL too.
    for (String file : TABLE_FILES) {
      String table = objectName(file);
      scala.collection.Seq<String> partitions = metadata(spark, target.qualified(table)).partitionColumnNames();
      for (org.apache.spark.sql.types.StructField f : spark.table(table).schema().fields()) {
        if (partitions.contains(f.name())) continue;
        String declared = comment(table + "." + f.name());
        if (!declared.equals(f.getComment().getOrElse(() -> null))) {
          spark.sql("ALTER TABLE " + table + " ALTER COLUMN " + f.name() + " COMMENT '" + declared + "'");
        }
      }
    }
    // CREATE OR REPLACE: a new jar's view text replaces the old one, and a view over a missing column fails here.
    for (String file : VIEW_FILES) {
      for (String stmt : statements(readSql("views/" + file))) {
        spark.sql(stmt);
      }
    }
    spark.sql("ALTER DATABASE " + db + " SET DBPROPERTIES ('" + VERSION_PROPERTY + "'='" + SCHEMA_VERSION + "', '"
        + DDL_DIGEST + "'='" + digest + "')");
  }

  /**
   * Fails unless every table is managed, or (external target) external at {@code <location>/<table>}: a table created
   * under another setting keeps its data where it is, and writing on as if it were elsewhere would split it.
   */
  static void checkLayout(SparkSession spark, Target target) {
    for (String file : TABLE_FILES) {
      String table = objectName(file);
      CatalogTable meta = metadata(spark, target.qualified(table));
      boolean external = meta.tableType().equals(CatalogTableType.EXTERNAL());
      String where = external ? "external at " + meta.location() : "managed";
      if (!target.external()) {
        if (external) {
          throw new IllegalStateException("table " + target.qualified(table) + " is " + where + ", but"
              + " warehouse.external-location is empty: set it, or move the table; init never moves data");
        }
        continue;
      }
      Path want = new Path(target.location(table));
      try {
        want = want.getFileSystem(spark.sparkContext().hadoopConfiguration()).makeQualified(want);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot resolve " + want, e);
      }
      if (!external || !new Path(meta.location()).equals(want)) {
        throw new IllegalStateException("table " + target.qualified(table) + " is " + where + ", but"
            + " warehouse.external-location puts it at " + want + ": fix the setting, or move the table (ALTER TABLE"
            + " ... SET LOCATION and its partitions); init never moves data");
      }
    }
  }

  /** The schema version recorded on {@code db}, 0 if none (a database created before versions were recorded). */
  static int recordedVersion(SessionCatalog catalog, String db) {
    String v = property(catalog, db, VERSION_PROPERTY);
    try {
      return v == null ? 0 : Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalStateException("the database " + db + " records an unreadable " + VERSION_PROPERTY + ": " + v);
    }
  }

  private static String property(SessionCatalog catalog, String db, String key) {
    return catalog.getDatabaseMetadata(db).properties().getOrElse(key, () -> null);
  }

  /**
   * The type and comment of {@code table.column} as its table's DDL file declares it, e.g.
   * {@code BIGINT COMMENT '...'}: the text after the column name on its line, without the separating comma (and with
   * one blank before {@code COMMENT}, however the file aligns it).
   *
   * @throws IllegalStateException if the file declares no such column
   */
  static String declaration(String column) {
    String table = column.substring(0, column.lastIndexOf('.'));
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

  /** The comment of {@code table.column} as its table's DDL file declares it ({@link #declaration}). */
  static String comment(String column) {
    String d = declaration(column);
    int at = d.indexOf(" COMMENT '");
    if (at < 0 || !d.endsWith("'")) throw new IllegalStateException("the DDL of " + column + " has no comment: " + d);
    return d.substring(at + " COMMENT '".length(), d.length() - 1);
  }

  /** The names of the tables and views in {@code db} (not temporary views). */
  static Set<String> objects(SessionCatalog catalog, String db) {
    return JavaConverters.seqAsJavaList(catalog.listTables(db, "*", false)).stream()
        .map(TableIdentifier::table).collect(Collectors.toSet());
  }

  /** The tables and views the DDL creates: each file is named after the object it creates. */
  static Set<String> expectedObjects() {
    return Stream.concat(TABLE_FILES.stream(), VIEW_FILES.stream()).map(Warehouse::objectName)
        .collect(Collectors.toSet());
  }

  /** The table or view a DDL file creates: each file is named after it. */
  private static String objectName(String file) {
    return file.substring(0, file.length() - ".sql".length());
  }

  /**
   * SHA-256 of the statements of every bundled DDL and view file, in the order they are applied: what they create,
   * not their {@code --} comments, so that editing a comment is no schema change.
   */
  static String ddlDigest() {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      Stream.concat(DDL_FILES.stream().map(f -> "tables/" + f), VIEW_FILES.stream().map(f -> "views/" + f))
          .forEach(f -> sha.update(String.join(";\n", statements(readSql(f))).getBytes(StandardCharsets.UTF_8)));
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

  /** {@code table} (one of the constants above) in {@code database}, e.g. for a benchmark's copy. */
  public static String inDatabase(String table, String database) {
    return database + "." + table;
  }

  /** The storage location (URI) of a table, {@code db.table} or a table of the current database. */
  public static String location(SparkSession spark, String table) {
    return metadata(spark, table).location().toString();
  }

  /** The metastore's description of a table, {@code db.table} or a table of the current database. */
  public static CatalogTable metadata(SparkSession spark, String table) {
    try {
      return spark.sessionState().catalog()
          .getTableMetadata(spark.sessionState().sqlParser().parseTableIdentifier(table));
    } catch (NoSuchDatabaseException | NoSuchTableException e) {
      throw new IllegalStateException("table " + table + " does not exist (run `kaminari init`)", e);
    } catch (ParseException e) {
      throw new IllegalArgumentException("not a table name: " + table, e);
    }
  }
}
