package io.kaminari.pipeline;

import io.kaminari.common.Columns;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.common.time.EventHours;
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

/** The DDL in sql/tables is the single source of the tables; these checks tie it to the Java declarations. */
class WarehouseTest {

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
    Warehouse.ensure(spark);
    Warehouse.ensure(spark); // twice: idempotent
    List<String> flowColumns = Arrays.stream(spark.table(Warehouse.FLOWS).schema().fields())
        .map(StructField::name).toList();
    assertThat(flowColumns).isEqualTo(SparkFlowSchema.TABLE_COLUMNS);
    for (StructField f : SparkFlowSchema.FLOW.fields()) {
      assertThat(spark.table(Warehouse.FLOWS).schema().apply(f.name()).dataType()).isEqualTo(f.dataType());
    }
    assertThat(spark.table(Warehouse.FLOWS_LANDING).columns()).contains(Columns.SOURCE, Columns.VALUE, Columns.DT);
    assertThat(Warehouse.objects(spark.sessionState().catalog())).containsAll(Warehouse.expectedObjects());
    assertThat(Warehouse.expectedObjects()).hasSize(Warehouse.DDL_FILES.size() - 1 + Warehouse.VIEW_FILES.size());
    assertThat(spark.sql("DESCRIBE DATABASE EXTENDED kaminari").collectAsList().toString())
        .contains(Warehouse.ddlDigest());
  }

  @Test
  void ensureRecreatesADroppedTableEvenWhenTheDdlDigestIsRecorded() {
    SparkSession spark = TestSpark.spark();
    Warehouse.ensure(spark);
    spark.sql("DROP VIEW kaminari.v_top_talkers");
    spark.sql("DROP TABLE " + Warehouse.MODEL_VERSIONS);
    assertThat(Warehouse.objects(spark.sessionState().catalog())).doesNotContain("v_top_talkers", "model_versions");
    Warehouse.ensure(spark);
    assertThat(Warehouse.objects(spark.sessionState().catalog())).containsAll(Warehouse.expectedObjects());
  }

  @Test
  void ensureAddsTheColumnsAddedSinceATableWasCreated() throws Exception {
    SparkSession spark = TestSpark.spark();
    TestSpark.resetWarehouse();
    // job_runs as the first release created it, and the digest of another jar: ensure runs the DDL again.
    spark.sql("DROP TABLE " + Warehouse.JOB_RUNS);
    spark.sql(Warehouse.statements(Warehouse.readDdl("job_runs.sql")).get(0)
        .replaceAll(",\\s*event_hours[^\\n]*", ""));
    spark.sql("ALTER DATABASE " + Warehouse.DATABASE + " SET DBPROPERTIES ('" + Warehouse.DDL_DIGEST + "'='old')");
    assertThat(spark.table(Warehouse.JOB_RUNS).columns()).doesNotContain("event_hours");
    Warehouse.ensure(spark);
    assertThat(spark.table(Warehouse.JOB_RUNS).columns()).endsWith("event_hours");
    JobRun run = JobRuns.run(spark, "test", null, null, id -> JobRuns.counts(0, 0, 0, 0, 0, 0, "")
        .withEventHours(EventHours.of(List.of(Hour.parse("2024-05-01T10")))));
    assertThat(JobRuns.lastSucceeded(spark, "test", Hour.parse("2024-05-01T10"))).isEmpty(); // no window
    assertThat(spark.table(Warehouse.JOB_RUNS).where("run_id = '" + run.runId() + "'").first().<String>getList(
        spark.table(Warehouse.JOB_RUNS).schema().fieldIndex("event_hours"))).containsExactly("2024-05-01T10");
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
      List<String> ddlColumns = Warehouse.readDdl(table.substring(Warehouse.DATABASE.length() + 1) + ".sql").lines()
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
        "port_vectors", List.of("sources", "top_dst_prefixes", "top_sources", "top_dst_ports", "estimated_counts"),
        "anomaly_scores", List.of("ae_score", "ae_threshold", "ar_score", "ar_threshold", "fired", "traffic_group"));
    added.forEach((table, columns) -> {
      spark.sql("DROP TABLE " + Warehouse.DATABASE + "." + table);
      String first = Warehouse.statements(Warehouse.readDdl(table + ".sql")).get(0);
      for (String c : columns) first = first.replaceAll("\\n\\s*" + c + " [^\\n]*", "");
      spark.sql(first.replaceAll("',\\s*\\)", "'\n)"));
      assertThat(spark.table(Warehouse.DATABASE + "." + table).columns()).doesNotContain(columns.get(0));
    });
    spark.sql("ALTER DATABASE " + Warehouse.DATABASE + " SET DBPROPERTIES ('" + Warehouse.DDL_DIGEST + "'='old')");
    Warehouse.ensure(spark);
    assertThat(spark.table(Warehouse.PORT_VECTORS).columns()).containsExactly("window_start", "window_end", "scope",
        "scope_key", "vector", "flows", "packets", "sources", "top_dst_prefixes", "top_sources", "top_dst_ports",
        "estimated_counts", "dt", "hour", "spec_id");
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
