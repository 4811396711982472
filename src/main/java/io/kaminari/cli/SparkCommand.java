package io.kaminari.cli;

import io.kaminari.common.KaminariConfig;
import io.kaminari.pipeline.SparkSessions;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Mixin;

/**
 * Base of the subcommands that run Spark jobs: validates everything first, then opens the session, and stops the
 * session afterwards if it opened it.
 */
public abstract class SparkCommand implements Callable<Integer> {
  @Mixin protected ConfigOptions options;

  /** The Spark part of a subcommand, built only after its arguments were validated. */
  @FunctionalInterface
  public interface Task {
    int run(SparkSession spark) throws Exception;
  }

  @Override
  public final Integer call() throws Exception {
    KaminariConfig config = configure(options.load());
    Task task = prepare(config); // bad arguments fail here, before a JVM-heavy Spark start
    boolean existed = SparkSession.getDefaultSession().isDefined();
    SparkSession spark = SparkSessions.getOrCreate(config);
    try {
      return task.run(spark);
    } finally {
      if (!existed) spark.stop();
    }
  }

  /** The configuration this command runs with; by default the effective one. */
  protected KaminariConfig configure(KaminariConfig config) {
    return config;
  }

  /** Validates the arguments against the config and returns the work; exceptions exit non-zero. */
  protected abstract Task prepare(KaminariConfig config);
}
