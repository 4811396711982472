package io.kaminari.analyst;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.cli.Main;
import io.kaminari.common.Settings;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.collection.JavaConverters;

/**
 * The SQL surface against demo-like data on the embedded metastore: every DDL, view and query file runs and returns
 * rows with the expected columns, a view over a missing column fails analysis, a one-hour query reads one partition,
 * and {@code kaminari sql} prints a query file.
 */
class SqlSurfaceIT {
  private static final Pattern VIEW_COLUMN = Pattern.compile("^\\s+([a-z_][a-z0-9_]*)\\s+COMMENT '");
  private static SparkSession spark;

  @BeforeAll
  static void data() throws Exception {
    spark = AnalystData.build();
  }

  private static List<Path> files(String dir) throws IOException {
    try (Stream<Path> s = Files.list(Path.of("sql", dir))) {
      return s.filter(p -> p.toString().endsWith(".sql")).sorted().toList();
    }
  }

  /** The column names a view file declares in its column list (one {@code name COMMENT '...'} per line). */
  static List<String> declaredColumns(String viewSql) {
    List<String> names = new ArrayList<>();
    for (String line : viewSql.split("\n")) {
      if (line.strip().startsWith("COMMENT '") || line.strip().startsWith("AS")) break;
      Matcher m = VIEW_COLUMN.matcher(line);
      if (m.find()) names.add(m.group(1));
    }
    return names;
  }

  @Test
  void everyTableFileAppliesAndEveryTableHasRows() throws IOException {
    // As spark-sql --hivevar kaminari_db=kaminari (or beeline's) runs them: Spark resolves ${hivevar:x} from conf x.
    spark.conf().set("kaminari_db", spark.catalog().currentDatabase());
    try {
      for (Path f : files("tables")) {
        for (String stmt : Warehouse.statements(Files.readString(f))) spark.sql(stmt);
      }
    } finally {
      spark.conf().unset("kaminari_db");
    }
    for (String t : List.of(Warehouse.FLOWS, Warehouse.FLOWS_LANDING, Warehouse.JOB_RUNS, Warehouse.PORT_VECTORS,
        Warehouse.FEATURE_SPECS, Warehouse.ANOMALY_SCORES, Warehouse.MODEL_VERSIONS, Warehouse.INCIDENTS)) {
      assertThat(spark.table(t).count()).as(t).isPositive();
    }
    List<Row> versions = spark.table(Warehouse.MODEL_VERSIONS).orderBy("model_version").collectAsList();
    assertThat(versions).extracting(r -> r.<Integer>getAs("model_version")).containsExactly(1, 2);
    assertThat(versions.get(0).<String>getAs("promoted_alias")).isEqualTo("champion");
    assertThat(versions.get(0).<scala.collection.Map<String, Double>>getAs("metrics").contains("val_loss")).isTrue();
  }

  @Test
  void everyViewReturnsRowsWithItsDeclaredColumns() throws IOException {
    assertThat(files("views")).extracting(p -> p.getFileName().toString())
        .containsExactlyInAnyOrderElementsOf(Warehouse.VIEW_FILES);
    for (Path f : files("views")) {
      String sql = Files.readString(f);
      for (String stmt : Warehouse.statements(sql)) spark.sql(stmt);
      String view = "kaminari." + f.getFileName().toString().replace(".sql", "");
      List<String> declared = declaredColumns(sql);
      Dataset<Row> df = spark.table(view);
      assertThat(declared).as(view + " declares its columns").isNotEmpty();
      assertThat(df.columns()).as(view).containsExactlyElementsOf(declared);
      // DECIMAL only inside a view (sums that must not wrap): readers (kaminari report, notebooks) get longs/doubles.
      assertThat(df.schema().fields()).as(view + ": no DECIMAL column")
          .noneMatch(c -> c.dataType() instanceof org.apache.spark.sql.types.DecimalType);
      assertThat(df.limit(5).collectAsList()).as(view + " returns rows").isNotEmpty();
    }
  }

  @Test
  void everyQueryReturnsRowsWithNamedColumns() throws IOException {
    List<Path> queries = files("queries");
    assertThat(queries).hasSizeGreaterThanOrEqualTo(8);
    for (Path f : queries) {
      String sql = Files.readString(f);
      assertThat(sql).as(f + " opens with its question").matches("(?s)^-- [^\n]+\\?\n.*");
      List<String> stmts = Warehouse.statements(sql);
      assertThat(stmts).as(f.toString()).hasSize(1);
      Dataset<Row> df = spark.sql(stmts.get(0));
      assertThat(df.columns()).as(f + ": every column is named").allMatch(c -> c.matches("[a-z_][a-z0-9_]*"));
      assertThat(df.collectAsList()).as(f + " returns rows").isNotEmpty();
    }
  }

  @Test
  void aViewOverAMissingColumnFailsAnalysisNamingIt() throws IOException {
    Path broken = Files.createTempFile(Path.of("target"), "v_broken", ".sql");
    Files.writeString(broken, "-- a view over a column flows does not have\n"
        + "CREATE OR REPLACE VIEW kaminari.v_broken AS SELECT dt, hour, no_such_column FROM kaminari.flows;\n");
    String stmt = Warehouse.statements(Files.readString(broken)).get(0);
    assertThatThrownBy(() -> spark.sql(stmt)).isInstanceOf(AnalysisException.class)
        .hasMessageContaining("no_such_column");
    assertThat(spark.catalog().tableExists("kaminari.v_broken")).isFalse();
  }

  @Test
  void aOneHourQueryReadsOnePartition() {
    String before = spark.conf().get("spark.sql.adaptive.enabled");
    // Without adaptive execution the executed plan is the plain tree, so the scan node and its metrics are reachable.
    spark.conf().set("spark.sql.adaptive.enabled", "false");
    try {
      for (String q : List.of(
          "SELECT count(*) FROM kaminari.flows WHERE dt = '2024-05-02' AND hour = 3",
          "SELECT sum(packets) FROM kaminari.v_traffic_hourly WHERE dt = '2024-05-02' AND hour = 3",
          "SELECT * FROM kaminari.v_top_talkers WHERE dt = '2024-05-02' AND hour = 3")) {
        Dataset<Row> df = spark.sql(q);
        assertThat(df.collectAsList()).as(q).isNotEmpty();
        List<FileSourceScanExec> scans = scans(df.queryExecution().executedPlan());
        assertThat(scans).as(q).isNotEmpty();
        for (FileSourceScanExec scan : scans) {
          assertThat(scan.selectedPartitions().length).as(q).isEqualTo(1);
          assertThat(scan.metrics().apply("numPartitions").value()).as(q).isEqualTo(1L);
        }
      }
    } finally {
      spark.conf().set("spark.sql.adaptive.enabled", before);
    }
  }

  private static List<FileSourceScanExec> scans(SparkPlan plan) {
    List<FileSourceScanExec> out = new ArrayList<>();
    if (plan instanceof FileSourceScanExec scan) out.add(scan);
    for (SparkPlan child : JavaConverters.seqAsJavaList(plan.children())) out.addAll(scans(child));
    return out;
  }

  @Test
  void sqlCommandPrintsAQueryFileAsCsv() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream old = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.run("sql", "--home", TestSpark.config().get(Settings.HOME), "--format", "csv", "-f",
          "sql/queries/11_model_versions.sql");
    } finally {
      System.setOut(old);
    }
    assertThat(code).isZero();
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines.get(0)).startsWith("model_name,model_version,registered,");
    assertThat(lines.subList(1, lines.size())).hasSize(2).allMatch(l -> l.startsWith("flow-ae,"));
  }
}
