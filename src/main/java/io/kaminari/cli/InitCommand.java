package io.kaminari.cli;

import io.kaminari.common.KaminariConfig;
import io.kaminari.pipeline.Warehouse;
import picocli.CommandLine.Command;

/** {@code kaminari init}: creates the database and tables from sql/tables (idempotent; every job does it too). */
@Command(name = "init", description = "Create the Hive database and tables (idempotent).")
final class InitCommand extends SparkCommand {
  @Override
  protected Task prepare(KaminariConfig config) {
    return spark -> {
      Warehouse.ensure(spark);
      spark.sql("SHOW TABLES IN " + Warehouse.DATABASE).collectAsList()
          .forEach(r -> System.out.println(Warehouse.DATABASE + "." + r.getString(1)));
      return 0;
    };
  }
}
