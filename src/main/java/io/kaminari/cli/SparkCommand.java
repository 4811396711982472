package io.kaminari.cli;

import io.kaminari.common.KaminariConfig;
import io.kaminari.pipeline.SparkSessions;
import io.kaminari.pipeline.Warehouse;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Mixin;

/**
 * Base of the subcommands that run Spark jobs: validates everything first, then opens the session and the configured
 * database ({@link #schema}), and stops the session afterwards if it opened it.
 */
public abstract class SparkCommand implements Callable<Integer> {
  @Mixin protected ConfigOptions options;

  /** What a subcommand does with the warehouse schema before its task runs. */
  protected enum Schema {
    /** Creates and migrates it ({@code init}): the one subcommand that runs DDL. */
    MIGRATE,
    /** Requires this jar's schema version, and fails otherwise: the jobs, which write. */
    REQUIRE,
    /** Reads any version, with a warning if it is not this jar's: {@code sql}, {@code report}, {@code mitigate}. */
    READ,
    /** Leaves it to the task, which builds a warehouse of its own ({@code demo}, {@code evaluate}). */
    OWN
  }

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
      Warehouse.Target target = Warehouse.Target.of(config);
      switch (schema()) {
        case MIGRATE -> Warehouse.ensure(spark, target);
        case REQUIRE -> Warehouse.open(spark, target, true);
        case READ -> Warehouse.open(spark, target, false);
        case OWN -> { }
      }
      return task.run(spark);
    } finally {
      if (!existed) spark.stop();
    }
  }

  /** What this command does with the schema; by default it requires this jar's version. */
  protected Schema schema() {
    return Schema.REQUIRE;
  }

  /** The configuration this command runs with; by default the effective one. */
  protected KaminariConfig configure(KaminariConfig config) {
    return config;
  }

  /** Validates the arguments against the config and returns the work; exceptions exit non-zero. */
  protected abstract Task prepare(KaminariConfig config);
}
