package io.kaminari.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.testing.KaminariJar;
import io.kaminari.tools.generate.AttackSpec;
import io.kaminari.tools.generate.Scenarios;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's first command, {@code java -jar target/kaminari.jar demo}, at full size in its own JVM and home: day
 * two's verdicts are the goal (precision and recall 1.0, in batch and in the stream) and its incidents are
 * exactly the four labelled attacks, each on its victim with its vector.
 */
class DemoIT {
  static final Pattern INCIDENT = Pattern.compile(
      "^  incident ([0-9a-f]{16}) global (\\S+) (\\S+) \\.\\. (\\S+), .*: (.*)$");

  @Test
  void dayTwoIsDetectedExactlyInBatchAndStreamAndGivesFourIncidents() throws Exception {
    Path base = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "demo-it-");
    // About 90 s on an idle 2-core machine.
    KaminariJar.Run run = KaminariJar.run(base.resolve("demo.log"), Duration.ofMinutes(30), List.of(), "demo",
        "--home", base.resolve("home").toString());
    List<String> out = run.stdout();
    String shown = run.shown();
    assertThat(run.exit()).as(shown).isZero();

    assertThat(out).as(shown).anyMatch(l -> l.contains("labelled attack windows: 8; per-window precision=1.000"
        + " recall=1.000"));
    List<AttackSpec> attacks = Scenarios.demoAttacks();
    List<String> alerts = out.stream().filter(l -> l.startsWith("  ALERT ")).toList();
    assertThat(alerts).as("the stream's alerts: the attack windows, each once").hasSize(2 * attacks.size());
    for (AttackSpec a : attacks) {
      assertThat(alerts).as(shown).anyMatch(l -> l.startsWith("  ALERT " + a.start() + " "));
    }

    List<String> stream = out.stream().filter(l -> l.startsWith("  stream incident ")).toList();
    assertThat(stream).as(shown).hasSize(attacks.size()).allMatch(l -> l.endsWith("(resolve)"));

    int header = out.indexOf(out.stream().filter(l -> l.contains("incident(s) of day 2")).findFirst()
        .orElseThrow(() -> new AssertionError("no incidents step in:\n" + shown)));
    assertThat(out.get(header)).contains("9. " + attacks.size() + " incident(s) of day 2");
    List<Matcher> incidents = out.subList(header, out.size()).stream().map(INCIDENT::matcher)
        .filter(Matcher::matches).toList();
    assertThat(incidents).as(shown).hasSize(attacks.size());
    assertThat(incidents.stream().map(m -> m.group(1)).toList()).as("the batch job's incident ids are the stream's")
        .containsExactlyInAnyOrderElementsOf(stream.stream().map(l -> l.split(" ")[4]).toList());
    for (AttackSpec a : attacks) {
      Matcher m = incidents.stream().filter(i -> i.group(3).equals(a.start().toString())).findFirst()
          .orElseThrow(() -> new AssertionError("no incident starting with " + a + "\n" + shown));
      assertThat(m.group(4)).as(a.toString()).isEqualTo(a.start().plus(a.duration()).toString());
      assertThat(a.victim()).startsWith(m.group(2).substring(0, m.group(2).lastIndexOf('.') + 1));
      String vector = switch (a.kind()) {
        case SYN_FLOOD -> "tcp dst port " + a.port() + " flags SYN,";
        case UDP_REFLECTION -> "udp src port " + a.port() + " (reflection) to any port,";
        case PORT_SCAN -> "tcp to any port flags SYN,";
        default -> throw new AssertionError("the demo has no " + a.kind());
      };
      assertThat(m.group(5)).as(a.toString()).startsWith(vector);
      // The stream's incident of the same id names the same vector, from its profile of the victim's flows.
      assertThat(stream).as(shown).anyMatch(l -> l.split(" ")[4].equals(m.group(1)) && l.contains(": " + vector));
    }
  }
}
