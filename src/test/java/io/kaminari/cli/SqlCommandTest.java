package io.kaminari.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.Settings;
import io.kaminari.testing.TestSpark;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.catalog.ExternalCatalogEvent;
import org.apache.spark.sql.catalyst.catalog.ExternalCatalogEventListener;
import org.apache.spark.sql.catalyst.catalog.ExternalCatalogWithListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code kaminari sql} through {@link Main#run} on a small in-memory table: -e, -f, formats, the prompt, errors. */
class SqlCommandTest {
  @RegisterExtension final Console console = new Console();

  @BeforeAll
  static void table() {
    TestSpark.resetWarehouse();
    TestSpark.spark().sql("SELECT * FROM VALUES ('10.0.0.1', 53, 1200L), ('10.0.0.2', 443, 35L), "
        + "('a,b', 80, CAST(NULL AS BIGINT)) AS t(ip, port, packets)").createOrReplaceTempView("talkers");
  }

  private int run(String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "sql";
    all[1] = "--home";
    all[2] = TestSpark.config().get(Settings.HOME);
    System.arraycopy(args, 0, all, 3, args.length);
    return Main.run(all);
  }

  private List<String> lines() {
    return console.out().lines().toList();
  }

  /**
   * An analyst with read rights only, on a warehouse an older release migrated: {@code kaminari sql} runs every analyst
   * query without a single metastore write (the listener sees each create, alter and drop of a database, table, view
   * or function), while a job refuses the old schema and {@code init}, through the same listener, does write.
   */
  @Test
  void neverChangesTheSchemaEvenOfAnOlderWarehouse() throws Exception {
    SparkSession spark = TestSpark.spark();
    String db = TestSpark.config().get(Settings.DATABASE);
    spark.sql("ALTER DATABASE " + db + " SET DBPROPERTIES ('kaminari.schema-version'='0', 'kaminari.ddl-digest'='x')");
    List<ExternalCatalogEvent> events = new CopyOnWriteArrayList<>();
    ExternalCatalogEventListener listener = events::add;
    ExternalCatalogWithListener catalog = spark.sharedState().externalCatalog();
    catalog.addListener(listener);
    try {
      List<Path> queries;
      try (var files = Files.list(Path.of("sql/queries"))) {
        queries = files.sorted().toList();
      }
      assertThat(queries).hasSizeGreaterThan(10);
      for (Path q : queries) assertThat(run("--format", "csv", "-f", q.toString())).as(q.toString()).isZero();
      assertThat(run("-e", "SELECT count(*) AS n FROM v_anomalies")).isZero();
      assertThat(events).as("metastore writes of kaminari sql").isEmpty();

      String home = TestSpark.config().get(Settings.HOME);
      assertThat(Main.run("retain", "--home", home, "--older-than", "30d", "--dry-run")).isNotZero();
      assertThat(console.err()).contains("holds Kaminari schema version 0").contains("run `kaminari init`");
      assertThat(events).isEmpty();
      assertThat(Main.run("init", "--home", home)).isZero();
      assertThat(events).as("init migrates").isNotEmpty();
    } finally {
      catalog.removeListener(listener);
      TestSpark.resetWarehouse();
    }
  }

  @Test
  void printsAnAlignedTable() {
    assertThat(run("-e", "SELECT ip, port, packets FROM talkers ORDER BY port")).isZero();
    assertThat(lines()).containsExactly(
        "ip       | port | packets",
        "---------+------+--------",
        "10.0.0.1 | 53   | 1200",
        "a,b      | 80   | NULL",
        "10.0.0.2 | 443  | 35",
        "(3 rows)");
  }

  @Test
  void printsCsvAndJson() {
    assertThat(run("--format", "csv", "-e", "SELECT ip, packets FROM talkers ORDER BY ip")).isZero();
    assertThat(lines()).containsExactly("ip,packets", "10.0.0.1,1200", "10.0.0.2,35", "\"a,b\",");
    console.reset();
    assertThat(run("--format", "json", "-e", "SELECT port, packets FROM talkers WHERE port = 53")).isZero();
    assertThat(lines()).containsExactly("{\"port\":53,\"packets\":1200}");
  }

  @Test
  void runsEveryStatementOfAFile(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("q.sql");
    Files.writeString(f, "-- two statements\nSELECT count(*) AS n\nFROM talkers;\nSELECT max(port) AS p FROM talkers;\n");
    assertThat(run("--format", "csv", "-f", f.toString())).isZero();
    assertThat(lines()).containsExactly("n", "3", "p", "443");
  }

  @Test
  void readsStatementsFromStdinUntilQuit() {
    System.setIn(new ByteArrayInputStream(("SELECT count(*) AS n\n FROM talkers;\nSELECT nope FROM talkers;\n"
        + "SELECT 7 AS seven;\nquit\nSELECT 8 AS never;\n").getBytes(StandardCharsets.UTF_8)));
    assertThat(run("--format", "csv")).isEqualTo(1); // one statement failed
    assertThat(lines()).containsExactly("n", "3", "seven", "7");
    assertThat(console.err()).contains("kaminari> ").contains("error: ").contains("nope");
  }

  @Test
  void cutsAtMaxRows() {
    assertThat(run("--max-rows", "2", "-e", "SELECT port FROM talkers ORDER BY port")).isZero();
    assertThat(lines()).containsExactly("port", "----", "53", "80", "(first 2 rows shown: --max-rows)");
    console.reset();
    assertThat(run("--max-rows", "3", "--format", "csv", "-e", "SELECT port FROM talkers ORDER BY port")).isZero();
    assertThat(lines()).containsExactly("port", "53", "80", "443");
  }

  @Test
  void failsNonZeroOnBadSqlOrArguments() {
    assertThat(run("-e", "SELECT missing_column FROM talkers")).isEqualTo(1);
    assertThat(console.err()).contains("missing_column");
    assertThat(run("--format", "xml", "-e", "SELECT 1")).isEqualTo(1);
    assertThat(run("-e", "SELECT 1", "-f", "x.sql")).isEqualTo(2);
  }
}
