package io.kaminari.cli;

import io.kaminari.common.ConfigException;
import io.kaminari.common.LogFormat;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code kaminari} command line: one entry point, one class per subcommand.
 *
 * <p>The production subcommands are listed here; the harness's join through {@link Subcommand} when their classes are
 * on the class path ({@code target/kaminari.jar} has them, the production artifacts do not). Every subcommand, nested
 * ones included, inherits {@code --help} and {@code --version}.
 *
 * <p>Exit code 0 only when the subcommand succeeded; any failure prints its cause on stderr and exits non-zero (1 for a
 * failed run, 2 for bad usage).
 */
@Command(name = "kaminari", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
    versionProvider = Main.Version.class,
    description = "Network-flow analytics: pmacct flows from Kafka into Hive, port vectors, anomaly scores.",
    subcommands = {
        ConfigCommand.class, InitCommand.class, LandCommand.class, CompactCommand.class, FeaturesCommand.class,
        SelectPortsCommand.class, TrainCommand.class, ScoreCommand.class, ModelsCommand.class,
        io.kaminari.stream.ScorerMain.class, SqlCommand.class, ReportCommand.class, VerifyCommand.class,
        IncidentsCommand.class, MitigateCommand.class, RetainCommand.class})
public final class Main {
  // Read by LogFormat.select in main, before picocli builds the subcommands (whose loggers start log4j); declared
  // here so that picocli accepts it and --help lists it.
  @Option(names = LogFormat.OPTION, paramLabel = "FORMAT", description = LogFormat.DOC)
  String logFormat;

  public static void main(String[] args) {
    try {
      LogFormat.select(args, System.getenv());
    } catch (ConfigException e) {
      System.err.println("kaminari: error: " + e.getMessage());
      System.exit(2);
    }
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code (tests call this instead of {@link #main}). */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The whole command tree: the subcommands above, then every {@link Subcommand} on the class path, then help. */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    for (Subcommand s : ServiceLoader.load(Subcommand.class)) cli.addSubcommand(s);
    cli.addSubcommand(new CommandLine.HelpCommand());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("kaminari " + cmd.getCommandName() + ": error: " + rootMessage(e));
      if (Boolean.getBoolean("kaminari.stacktrace")) e.printStackTrace(cmd.getErr());
      return 1;
    });
    return cli;
  }

  /** The message of the innermost cause, which is the one a user can act on. */
  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) t = t.getCause();
    String msg = t.getMessage();
    return (msg == null ? t.getClass().getSimpleName() : msg)
        + (t == e ? "" : " (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
  }

  /** Prints the jar's implementation version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"kaminari " + (v == null ? "dev" : v)};
    }
  }
}
