package io.kaminari.cli;

import io.kaminari.analyst.ResultFormat;
import io.kaminari.common.KaminariConfig;
import io.kaminari.pipeline.Warehouse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kaminari sql}: runs Spark SQL against the configured metastore and prints each result.
 *
 * <p>With {@code -e} or {@code -f} it runs those statements in order and exits non-zero at the first failure; with
 * neither it reads {@code ;}-terminated statements from stdin until {@code quit}, printing a failed statement's error
 * and carrying on. It runs in the configured database and never changes its schema ({@code kaminari init} does), so
 * an analyst needs read rights only; a schema of another version is read as it is, with a warning.
 */
@Command(name = "sql", description = "Run Spark SQL against the Kaminari metastore (-e, -f, or an interactive prompt).")
final class SqlCommand extends SparkCommand {
  static final String PROMPT = "kaminari> ";

  static final class Source {
    @Option(names = {"-e", "--execute"}, paramLabel = "SQL",
        description = "SQL to run; several statements each end a line with ';'")
    String sql;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "a file of ';'-terminated statements")
    Path file;
  }

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Source source;

  @Option(names = "--format", defaultValue = "table", paramLabel = "FORMAT",
      description = "table, csv or json (JSON lines); default ${DEFAULT-VALUE}")
  String format;

  @Option(names = "--max-rows", defaultValue = "1000", paramLabel = "N",
      description = "print at most N rows of each result; default ${DEFAULT-VALUE}")
  long maxRows;

  @Override
  protected Schema schema() {
    return Schema.READ;
  }

  @Override
  protected Task prepare(KaminariConfig config) {
    ResultFormat fmt = ResultFormat.parse(format);
    if (maxRows < 1) throw new IllegalArgumentException("--max-rows must be >= 1, got " + maxRows);
    String text;
    try {
      text = source == null ? null : source.file != null ? Files.readString(source.file) : source.sql;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + source.file + ": " + e.getMessage(), e);
    }
    return spark -> {
      if (text == null) return interactive(spark, fmt);
      List<String> statements = Warehouse.statements(text);
      if (statements.isEmpty()) throw new IllegalArgumentException("no SQL statement to run");
      for (String stmt : statements) run(spark, stmt, fmt, System.out);
      return 0;
    };
  }

  /** Runs one statement and prints its result (DDL and commands without output print nothing in csv/json). */
  void run(SparkSession spark, String stmt, ResultFormat fmt, PrintStream out) {
    Dataset<Row> df = spark.sql(stmt);
    if (df.columns().length == 0) return;
    long n = fmt.print(df, maxRows, out);
    if (n > maxRows) {
      // On stderr in csv/json, so that stdout stays a well-formed file.
      (fmt == ResultFormat.TABLE ? out : System.err).println("(first " + maxRows + " rows shown: --max-rows)");
    } else if (fmt == ResultFormat.TABLE) {
      out.println("(" + n + (n == 1 ? " row)" : " rows)"));
    }
  }

  private int interactive(SparkSession spark, ResultFormat fmt) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    StringBuilder pending = new StringBuilder();
    int failures = 0;
    // The prompt goes to stderr so that stdout holds only results and stays pipeable.
    System.err.print(PROMPT);
    for (String line; (line = in.readLine()) != null; ) {
      String t = line.strip();
      if (pending.length() == 0 && (t.equalsIgnoreCase("quit") || t.equalsIgnoreCase("exit")
          || t.equalsIgnoreCase("quit;") || t.equalsIgnoreCase("exit;"))) {
        break;
      }
      pending.append(line).append('\n');
      if (t.endsWith(";")) {
        for (String stmt : Warehouse.statements(pending.toString())) {
          try {
            run(spark, stmt, fmt, System.out);
          } catch (Exception e) {
            failures++;
            System.err.println("error: " + Main.rootMessage(e));
          }
        }
        pending.setLength(0);
      }
      System.err.print(pending.length() == 0 ? PROMPT : "       > ");
    }
    System.err.println();
    return failures == 0 ? 0 : 1;
  }
}
