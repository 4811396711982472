package io.kaminari.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** The CLI's contract: subcommands listed, each with --help, failures exit non-zero with the cause on stderr. */
class MainTest {
  @RegisterExtension final Console console = new Console();

  @Test
  void helpListsTheSubcommands() {
    assertThat(Main.run("--help")).isZero();
    assertThat(console.out())
        .contains("config", "init", "generate", "land", "compact", "demo", "bench", "models");
  }

  /** The harness's subcommands join through cli.Subcommand (META-INF/services), after the production ones. */
  @Test
  void theHarnessSubcommandsJoinFromTheClassPath() {
    assertThat(Main.commandLine().getSubcommands().keySet()).containsSubsequence("config", "report", "generate",
        "broker", "demo", "bench", "evaluate", "help");
    assertThat(Main.commandLine().getSubcommands().get("demo").getCommand().getClass().getName())
        .isEqualTo("io.kaminari.tools.cli.DemoCommand");
  }

  /** Like every CLI of its ecosystem: {@code kaminari X --help} prints X's usage and exits 0, nested ones included. */
  @Test
  void everySubcommandAnswersHelp() {
    List<CommandLine> all = new ArrayList<>();
    collect(Main.commandLine(), all);
    assertThat(all).extracting(CommandLine::getCommandName)
        .contains("demo", "generate", "bench", "evaluate", "broker", "scorer", "list", "promote", "gc", "help")
        .hasSizeGreaterThan(20);
    for (CommandLine c : all) {
      String name = c.getCommandSpec().qualifiedName(); // "kaminari models list"
      List<String> args = new ArrayList<>(Arrays.asList(name.split(" ")).subList(1, name.split(" ").length));
      args.add("--help");
      console.reset();
      assertThat(Main.run(args.toArray(String[]::new))).as("exit code of %s --help; stderr: %s", name, console.err())
          .isZero();
      assertThat(console.out()).as("%s --help", name).contains("Usage: " + name);
      assertThat(console.err()).as("%s --help", name).isEmpty();
    }
  }

  private static void collect(CommandLine parent, List<CommandLine> out) {
    for (CommandLine c : parent.getSubcommands().values()) {
      out.add(c);
      collect(c, out);
    }
  }

  @Test
  void configDumpPrintsEffectiveValues() {
    assertThat(Main.run("config", "--dump", "--home", "/tmp/kh", "--set", "topics=x,y")).isZero();
    assertThat(console.out())
        .contains("home: /tmp/kh    # flag").contains("warehouse.dir: /tmp/kh/warehouse").contains("topics: x,y");
  }

  @Test
  void failuresExitNonZeroWithTheCause() {
    assertThat(Main.run("config", "--set", "no.such.key=1")).isEqualTo(1);
    assertThat(console.err()).contains("unknown configuration key 'no.such.key'");
    console.reset();
    assertThat(Main.run("config", "--config", "/nonexistent/k.yaml")).isEqualTo(1);
    assertThat(console.err()).contains("/nonexistent/k.yaml does not exist");
    console.reset();
    assertThat(Main.run("compact")).isEqualTo(2); // usage error: no window
    assertThat(console.err()).contains("--hour");
    assertThat(Main.run("no-such-command")).isEqualTo(2);
  }

  @Test
  void badHourIsRejectedBeforeSparkStarts() {
    assertThat(Main.run("compact", "--hour", "yesterday", "--home", "target/unused-home")).isEqualTo(1);
    assertThat(console.err()).contains("'yesterday' is not an hour of the form 2024-05-01T10");
    console.reset();
    assertThat(Main.run("features", "--after-compact", "yesterday", "--spec", "seed-global", "--home",
        "target/unused-home")).isEqualTo(1);
    assertThat(console.err()).contains("'yesterday' is not an hour of the form 2024-05-01T10");
    console.reset();
    assertThat(Main.run("score", "--after-compact", "yesterday", "--home", "target/unused-home")).isEqualTo(1);
    assertThat(console.err()).contains("'yesterday' is not an hour of the form 2024-05-01T10");
  }

  @Test
  void featuresAndScoreTakeARangeOfEventHoursOrTheHoursAfterACompactionNotBoth() {
    assertThat(Main.run("score", "--after-compact", "2024-05-01T10", "--from", "2024-05-01T10", "--to",
        "2024-05-01T11")).isEqualTo(2);
    assertThat(console.err()).contains("mutually exclusive");
    console.reset();
    assertThat(Main.run("features", "--spec", "seed-global")).isEqualTo(2);
    assertThat(console.err()).contains("--after-compact").contains("--from");
    console.reset();
    assertThat(Main.run("score", "--from", "2024-05-01T11", "--to", "2024-05-01T10", "--home", "target/unused-home"))
        .isEqualTo(1);
    assertThat(console.err()).contains("--from must be before --to");
  }
}
