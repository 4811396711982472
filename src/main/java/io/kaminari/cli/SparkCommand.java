package io.kaminari.cli;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.SparkSessions;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Mixin;

/** Base of the subcommands that run Spark jobs: loads the config, opens the session, always stops it. */
abstract class SparkCommand implements Callable<Integer> {
  @Mixin ConfigOptions options;

  @Override
  public final Integer call() throws Exception {
    KaminariConfig config = options.load();
    SparkSession spark = SparkSessions.getOrCreate(config);
    try {
      return run(config, spark);
    } finally {
      spark.stop();
    }
  }

  /** The work; exceptions propagate to the CLI's handler, which exits non-zero. */
  abstract int run(KaminariConfig config, SparkSession spark) throws Exception;
}
