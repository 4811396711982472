package io.kaminari.cli;

import io.kaminari.common.KaminariConfig;
import picocli.CommandLine.Command;

/**
 * {@code kaminari init}: creates the database, tables and views from sql/ and migrates an older schema (idempotent).
 * The only subcommand that changes the schema: run it once per deployment and upgrade, with write rights.
 */
@Command(name = "init", description = "Create the Hive database, tables and views, or migrate them to this release"
    + " (idempotent; the only command that changes the schema).")
final class InitCommand extends SparkCommand {
  @Override
  protected Schema schema() {
    return Schema.MIGRATE;
  }

  @Override
  protected Task prepare(KaminariConfig config) {
    return spark -> {
      String db = spark.catalog().currentDatabase();
      spark.sql("SHOW TABLES IN " + db).collectAsList().forEach(r -> System.out.println(db + "." + r.getString(1)));
      return 0;
    };
  }
}
