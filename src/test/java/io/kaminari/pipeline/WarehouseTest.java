package io.kaminari.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.common.Columns;
import io.kaminari.common.time.Hour.EventHours;
import io.kaminari.common.time.Hour;
import io.kaminari.ingest.SparkFlowSchema;
import io.kaminari.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DDL in sql/tables is the single source of the tables; these checks tie it to the Java declarations. */
class WarehouseTest {
  static final Warehouse.Target TARGET = Warehouse.Target.of(TestSpark.config());
  static final String DB = TARGET.database();

  /**
   * The digest of the bundled DDL at {@link Warehouse#SCHEMA_VERSION}: a change to sql/tables or sql/views must bump
   * the version (and pin the new digest here), or a deployed database would not learn that init must migrate it.
   */
  static final String SCHEMA_DIGEST = "b84b51bc3f4e7ce22ff0368cd79e8aa918378bbb8df3605533da58cdf08d0e18";

  @Test
  void aDdlChangeBumpsTheSchemaVersion() {
    assertThat(Warehouse.ddlDigest()).as("sql/ changed: bump Warehouse.SCHEMA_VERSION and pin the new digest in"
        + " SCHEMA_DIGEST").isEqualTo(SCHEMA_DIGEST);
  }

  @Test
  void jobsRequireThisVersionWhichOnlyInitMigratesTo() {
    SparkSession spark = TestSpark.spark();
    TestSpark.resetWarehouse();
    Warehouse.open(spark, TARGET, true);
    // A database of an older schema: jobs refuse it, readers read it, init migrates it.
    spark.sql("ALTER DATABASE " + DB + " SET DBPROPERTIES ('" + Warehouse.VERSION_PROPERTY + "'='0')");
    assertThatThrownBy(() -> Warehouse.open(spark, TARGET, true)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("holds Kaminari schema version 0, this jar's is " + Warehouse.SCHEMA_VERSION)
        .hasMessageContaining("run `kaminari init`");
    Warehouse.open(spark, TARGET, false);
    Warehouse.ensure(spark, TARGET);
    Warehouse.open(spark, TARGET, true);
    // A newer release migrated it: nothing here may write to it, and init does not downgrade it.
    int newer = Warehouse.SCHEMA_VERSION + 1;
    spark.sql("ALTER DATABASE " + DB + " SET DBPROPERTIES ('" + Warehouse.VERSION_PROPERTY + "'='" + newer + "')");
    try {
      assertThatThrownBy(() -> Warehouse.open(spark, TARGET, true)).hasMessageContaining("a newer Kaminari");
      assertThatThrownBy(() -> Warehouse.ensure(spark, TARGET)).hasMessageContaining("never downgrades");
    } finally {
      TestSpark.resetWarehouse();
    }
    assertThatThrownBy(() -> Warehouse.open(spark, new Warehouse.Target("kaminari_never_created", ""), false))
        .hasMessageContaining("the database kaminari_never_created does not exist: run `kaminari init` first");
  }

  /**
   * A shared metastore: another database name, external tables under a location of their own, views that read that
   * database's tables, data that survives dropping the tables, and a layout init refuses to change silently.
   */
  @Test
  void externalTablesInASecondDatabase(@TempDir Path dir) throws Exception {
    SparkSession spark = TestSpark.spark();
    String location = dir.resolve("shared").toUri().toString();
    Warehouse.Target shared = new Warehouse.Target("kaminari_shared", location);
    try {
      spark.sql("DROP DATABASE IF EXISTS kaminari_shared CASCADE");
      Warehouse.ensure(spark, shared);
      assertThat(spark.catalog().currentDatabase()).isEqualTo("kaminari_shared");
      for (String file : Warehouse.DDL_FILES.subList(1, Warehouse.DDL_FILES.size())) {
        String table = file.replace(".sql", "");
        org.apache.spark.sql.catalyst.catalog.CatalogTable meta = Warehouse.metadata(spark, "kaminari_shared." + table);
        assertThat(meta.tableType().name()).as(table).isEqualTo("EXTERNAL");
        assertThat(Path.of(meta.location())).as(table).isEqualTo(dir.resolve("shared").resolve(table));
      }
      // The views read the tables of their own database, whatever the reader's current one.
      spark.catalog().setCurrentDatabase(DB);
      String plan = spark.table("kaminari_shared.v_traffic_hourly").queryExecution().analyzed().toString();
      assertThat(plan).contains("kaminari_shared.flows").doesNotContain("spark_catalog." + DB + ".flows");

      // Written through the shared database, kept when its tables are dropped, found again by the next init.
      Warehouse.open(spark, shared, true);
      JobRuns.run(spark, "external-test", null, null, id -> JobRuns.counts(0, 0, 0, 0, 0, 0, ""));
      assertThat(Files.isDirectory(dir.resolve("shared").resolve(Warehouse.JOB_RUNS))).isTrue();
      spark.sql("DROP DATABASE kaminari_shared CASCADE");
      Warehouse.ensure(spark, shared);
      assertThat(spark.table("kaminari_shared." + Warehouse.JOB_RUNS).where("job = 'external-test'").count()).isOne();

      // Init never moves data: a managed or moved configuration fails, naming the table.
      assertThatThrownBy(() -> Warehouse.ensure(spark, new Warehouse.Target("kaminari_shared", "")))
          .hasMessageContaining("is external at").hasMessageContaining("warehouse.external-location is empty");
      assertThatThrownBy(() -> Warehouse.ensure(spark, new Warehouse.Target("kaminari_shared", location + "moved")))
          .hasMessageContaining("init never moves data");
      assertThatThrownBy(() -> Warehouse.ensure(spark, new Warehouse.Target(DB, location)))
          .hasMessageContaining("is managed, but warehouse.external-location puts it at");
    } finally {
      spark.sql("DROP DATABASE IF EXISTS kaminari_shared CASCADE");
      spark.catalog().setCurrentDatabase(DB);
    }
  }

  @Test
  void ddlFilesAreAllApplied() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("sql/tables"))) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
          .containsExactlyInAnyOrderElementsOf(Warehouse.DDL_FILES);
    }
  }

  /**
   * The metastore keeps a column's comment in a VARCHAR(256) (COLUMNS_V2.COMMENT in Hive's schema, Derby and MySQL
   * alike): a longer one fails every CREATE TABLE of the file, which only a test against a metastore would notice.
   */
  @Test
  void everyCommentFitsTheMetastoresColumn() throws IOException {
    Pattern comment = Pattern.compile("COMMENT '([^']*)'");
    for (String dir : List.of("sql/tables", "sql/views")) {
      try (Stream<Path> files = Files.list(Path.of(dir))) {
        for (Path f : files.toList()) {
          Matcher m = comment.matcher(Files.readString(f));
          int n = 0;
          while (m.find()) {
            n++;
            assertThat(m.group(1).length()).as("%s: COMMENT '%s'", f, m.group(1)).isLessThanOrEqualTo(256);
          }
          assertThat(n).as("%s has comments", f).isPositive();
        }
      }
    }
  }

  @Test
  void viewFilesAreAllApplied() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("sql/views"))) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
          .containsExactlyInAnyOrderElementsOf(Warehouse.VIEW_FILES);
    }
  }

  @Test
  void tablesMatchTheFlowSchemaAndAreIdempotent() {
    SparkSession spark = TestSpark.spark();
    Warehouse.ensure(spark, TARGET);
    Warehouse.ensure(spark, TARGET); // twice: idempotent
    List<String> flowColumns = Arrays.stream(spark.table(Warehouse.FLOWS).schema().fields())
        .map(StructField::name).toList();
    assertThat(flowColumns).isEqualTo(SparkFlowSchema.TABLE_COLUMNS);
    for (StructField f : SparkFlowSchema.FLOW.fields()) {
      assertThat(spark.table(Warehouse.FLOWS).schema().apply(f.name()).dataType()).isEqualTo(f.dataType());
    }
    assertThat(spark.table(Warehouse.FLOWS_LANDING).columns()).contains(Columns.SOURCE, Columns.VALUE, Columns.DT);
    assertThat(Warehouse.objects(spark.sessionState().catalog(), DB)).containsAll(Warehouse.expectedObjects());
    assertThat(Warehouse.expectedObjects()).hasSize(Warehouse.DDL_FILES.size() - 1 + Warehouse.VIEW_FILES.size());
    assertThat(spark.sql("DESCRIBE DATABASE EXTENDED " + DB).collectAsList().toString())
        .contains(Warehouse.ddlDigest()).contains("(" + Warehouse.VERSION_PROPERTY + "," + Warehouse.SCHEMA_VERSION + ")");
  }

  @Test
  void ensureRecreatesADroppedTableEvenWhenTheDdlDigestIsRecorded() {
    SparkSession spark = TestSpark.spark();
    Warehouse.ensure(spark, TARGET);
    spark.sql("DROP VIEW v_top_talkers");
    spark.sql("DROP TABLE " + Warehouse.MODEL_VERSIONS);
    assertThat(Warehouse.objects(spark.sessionState().catalog(), DB)).doesNotContain("v_top_talkers", "model_versions");
    Warehouse.ensure(spark, TARGET);
    assertThat(Warehouse.objects(spark.sessionState().catalog(), DB)).containsAll(Warehouse.expectedObjects());
  }

  @Test
  void ensureAddsTheColumnsAddedSinceATableWasCreated() throws Exception {
    SparkSession spark = TestSpark.spark();
    TestSpark.resetWarehouse();
    // job_runs as the first release created it, and the digest of another jar: ensure runs the DDL again.
    spark.sql("DROP TABLE " + Warehouse.JOB_RUNS);
    spark.sql(Warehouse.statements(Warehouse.readDdl("job_runs.sql")).get(0)
        .replaceAll(",\\s*event_hours[^\\n]*", ""));
    spark.sql("ALTER DATABASE " + DB + " SET DBPROPERTIES ('" + Warehouse.DDL_DIGEST + "'='old')");
    assertThat(spark.table(Warehouse.JOB_RUNS).columns()).doesNotContain("event_hours");
    Warehouse.ensure(spark, TARGET);
    assertThat(spark.table(Warehouse.JOB_RUNS).columns()).endsWith("event_hours");
    JobRun run = JobRuns.run(spark, "test", null, null, id -> JobRuns.counts(0, 0, 0, 0, 0, 0, "")
        .withEventHours(EventHours.of(List.of(Hour.parse("2024-05-01T10")))));
    assertThat(JobRuns.lastSucceeded(spark, "test", Hour.parse("2024-05-01T10"))).isEmpty(); // no window
    assertThat(spark.table(Warehouse.JOB_RUNS).where("run_id = '" + run.runId() + "'").first().<String>getList(
        spark.table(Warehouse.JOB_RUNS).schema().fieldIndex("event_hours"))).containsExactly("2024-05-01T10");
  }

  @Test
  void ensureGivesAnOlderTableTheCommentsOfTheDdl() {
    SparkSession spark = TestSpark.spark();
    TestSpark.resetWarehouse();
    // anomaly_scores.fired as schema version 3 described it, and the digest of another jar: ensure runs again.
    spark.sql("ALTER TABLE " + Warehouse.ANOMALY_SCORES + " ALTER COLUMN fired COMMENT 'none, ae, ar or ae+ar'");
    spark.sql("ALTER DATABASE " + DB + " SET DBPROPERTIES ('" + Warehouse.DDL_DIGEST + "'='old')");
    Warehouse.ensure(spark, TARGET);
    String comment = spark.table(Warehouse.ANOMALY_SCORES).schema().apply("fired").getComment().get();
    assertThat(comment).isEqualTo(Warehouse.comment(Warehouse.ANOMALY_SCORES + ".fired")).contains("ae+rate");
    assertThatThrownBy(() -> Warehouse.comment(Warehouse.ANOMALY_SCORES + ".no_such"))
        .hasMessageContaining("declares no column no_such");
  }

  @Test
  void theAddedColumnsAreDeclaredInTheirDdlInOrderAfterTheFirstReleaseColumns() {
    assertThat(Warehouse.declaration(Warehouse.JOB_RUNS + ".event_hours")).isEqualTo("ARRAY<STRING> COMMENT 'UTC event hours"
        + " (yyyy-MM-ddTHH) whose partitions the run wrote (compact: what --after-compact redoes)'");
    assertThat(Warehouse.declaration(Warehouse.PORT_VECTORS + ".estimated_counts")).startsWith("INT ")
        .doesNotEndWith(",");
    Map<String, List<String>> byTable = new java.util.LinkedHashMap<>();
    for (String column : Warehouse.ADDED_COLUMNS) {
      assertThat(Warehouse.declaration(column)).as(column).matches("[A-Z<>]+ COMMENT '.*'");
      byTable.computeIfAbsent(column.substring(0, column.lastIndexOf('.')), t -> new java.util.ArrayList<>())
          .add(column.substring(column.lastIndexOf('.') + 1));
    }
    byTable.forEach((table, added) -> {
      // A migrated table gets them after its other data columns: the DDL must list them last, in the same order.
      List<String> ddlColumns = Warehouse.readDdl(table + ".sql").lines()
          .map(String::strip).takeWhile(l -> !l.startsWith(")")).filter(l -> l.matches("[a-z_]+ +[A-Z].*"))
          .map(l -> l.substring(0, l.indexOf(' '))).toList();
      assertThat(ddlColumns.subList(ddlColumns.size() - added.size(), ddlColumns.size())).as(table).isEqualTo(added);
    });
    assertThatThrownBy(() -> Warehouse.declaration(Warehouse.PORT_VECTORS + ".nonexistent"))
        .hasMessageContaining("declares no column nonexistent");
  }

  @Test
  void ensureAddsTheNewColumnsToThePortVectorsAndAnomalyScoresTablesOfTheFirstRelease() {
    SparkSession spark = TestSpark.spark();
    TestSpark.resetWarehouse();
    Map<String, List<String>> added = Map.of(
        "port_vectors", List.of("sources", "top_dst_prefixes", "top_sources", "top_dst_ports", "estimated_counts",
            "busiest_dst_flows", "busiest_pair_flows", "service_ports"),
        "anomaly_scores", List.of("ae_score", "ae_threshold", "ar_score", "ar_threshold", "fired", "traffic_group"));
    added.forEach((table, columns) -> {
      spark.sql("DROP TABLE " + table);
      String first = Warehouse.statements(Warehouse.readDdl(table + ".sql")).get(0);
      for (String c : columns) first = first.replaceAll("\\n\\s*" + c + " [^\\n]*", "");
      spark.sql(first.replaceAll("',\\s*\\)", "'\n)"));
      assertThat(spark.table(table).columns()).doesNotContain(columns.get(0));
    });
    spark.sql("ALTER DATABASE " + DB + " SET DBPROPERTIES ('" + Warehouse.DDL_DIGEST + "'='old')");
    Warehouse.ensure(spark, TARGET);
    assertThat(spark.table(Warehouse.PORT_VECTORS).columns()).containsExactly("window_start", "window_end", "scope",
        "scope_key", "vector", "flows", "packets", "sources", "top_dst_prefixes", "top_sources", "top_dst_ports",
        "estimated_counts", "busiest_dst_flows", "busiest_pair_flows", "service_ports", "dt", "hour", "spec_id");
    assertThat(spark.table(Warehouse.ANOMALY_SCORES).columns()).containsExactly("window_start", "window_end", "scope",
        "scope_key", "score", "threshold", "is_anomaly", "explanation", "flows", "packets", "spec_id", "scored_at",
        "ae_score", "ae_threshold", "ar_score", "ar_threshold", "fired", "traffic_group", "dt", "hour", "model_name",
        "model_version");
  }

  @Test
  void everyColumnIsCommented() {
    for (String file : Warehouse.DDL_FILES) {
      for (String line : Warehouse.readDdl(file).split("\n")) {
        String t = line.strip();
        if (t.matches("^[a-z_]+\\s+[A-Z<>,]+.*") && !t.startsWith("CREATE")) {
          assertThat(t).as(file + ": " + t).contains("COMMENT '");
        }
      }
    }
  }

  @Test
  void statementsSplitOnTrailingSemicolons() {
    assertThat(Warehouse.statements("-- c\nCREATE A;\n\nCREATE B (x INT COMMENT 'a; b');\nSELECT 1"))
        .containsExactly("CREATE A", "CREATE B (x INT COMMENT 'a; b')", "SELECT 1");
  }
}
