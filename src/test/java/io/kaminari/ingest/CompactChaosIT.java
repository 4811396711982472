package io.kaminari.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.Columns;
import io.kaminari.common.time.Hour;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.testing.KaminariJar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kaminari compact} killed with SIGKILL at random points of its run, several times in a row as a crash-looping
 * driver is (the OOM killer, a node lost), then rerun as the runbook says: after the kills every listed partition holds
 * either its old rows or its merged rows (never none, never a part), and the rerun ends with exact counts, no
 * duplicate, and landing hours that {@code kaminari verify} reconciles.
 *
 * <p>Each step is the packaged CLI in a JVM of its own on one home (embedded metastore), so the kill also hits the
 * metastore's and the lease lock's files mid-write. The kill points are drawn from a random seed, uniformly over the
 * lifetime an unkilled compaction of the same size took; the seed is in every assertion message, so a failure can be
 * replayed at about the same points. {@code CompactKillPointChaosIT} covers the exact steps of the partition swap
 * in-process.
 */
class CompactChaosIT {
  private static final Hour H09 = Hour.parse("2024-05-01T09");
  private static final Hour H10 = Hour.parse("2024-05-01T10");
  private static final Hour H11 = Hour.parse("2024-05-01T11");
  /** Flows per part: large enough that the merge of hours 9 and 10 takes a few seconds to kill into. */
  private static final int N = 40_000;
  private static final int KILLS = 3;

  @TempDir Path base;

  private Path home;
  private int step;

  /** Every step's settings: a short lock lease, so the rerun takes over a killed holder's lock within seconds. */
  private KaminariJar.Run kaminari(String... args) throws Exception {
    return KaminariJar.run(base.resolve((step++) + "-" + args[0] + ".log"), Duration.ofMinutes(5), List.of("-Xmx1g"),
        withHome(args));
  }

  private String[] withHome(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--home", home.toString(), "--set", "compact.lock-ttl=6s"));
    return all.toArray(String[]::new);
  }

  private static void write(Path file, List<String> lines, Instant mtime) throws Exception {
    Files.write(file, lines, StandardCharsets.UTF_8);
    Files.setLastModifiedTime(file, FileTime.from(mtime));
  }

  /** {@code n} distinct flows of {@code hour}, 7 s apart (mod the hour). */
  private static List<String> flows(Hour hour, int n) {
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Instant t = hour.start().plusSeconds(7L * i % 3600);
      out.add(LandingParserTest.flow(t.toString().replace('T', ' ').replace("Z", ""), 1024 + i % 60_000));
    }
    return out;
  }

  @Test
  void aCompactionKilledWithSigkillAtRandomPointsLeavesNoPartialPartitionAndTheRerunIsExact() throws Exception {
    long seed = new SplittableRandom().nextLong();
    SplittableRandom random = new SplittableRandom(seed);
    String why = "seed " + seed;
    home = base.resolve("home");
    Path input = Files.createDirectories(base.resolve("input"));
    assertThat(kaminari("init").exit()).isZero();

    // Arrival hour 10 holds hours 9 and 10, compacted; arrival hour 11 brings late flows of both and its own.
    List<String> first = new ArrayList<>(flows(H09, N));
    first.addAll(flows(H10, N));
    write(input.resolve("a.jsonl"), first, Instant.parse("2024-05-01T10:30:00Z"));
    assertThat(kaminari("land", "--from-files", input.toString()).exit()).isZero();
    long started = System.nanoTime();
    assertThat(kaminari("compact", "--hour", "2024-05-01T10").exit()).isZero();
    long lifetimeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    List<String> late = new ArrayList<>(flows(H09, N / 2));
    late.addAll(flows(H10, N / 2));
    late.addAll(flows(H11, N / 2));
    write(input.resolve("b.jsonl"), late, Instant.parse("2024-05-01T11:10:00Z"));
    assertThat(kaminari("land", "--from-files", input.toString()).exit()).isZero();

    // Killed again and again before any run completes, as a crash-looping driver is: each run starts from what the
    // killed ones left (a held lease, a swap journal, half-written directories).
    int killedAlive = 0;
    List<Long> delays = new ArrayList<>();
    for (int k = 0; k < KILLS; k++) {
      long delayMs = (long) (lifetimeMs * (0.2 + random.nextDouble()));
      delays.add(delayMs);
      Process p = KaminariJar.start(base.resolve((step++) + "-killed-compact.log"), List.of("-Xmx1g"),
          withHome("compact", "--hour", "2024-05-01T11"));
      if (p.waitFor(delayMs, TimeUnit.MILLISECONDS)) break; // it ran to the end first: nothing left to interrupt
      killedAlive++;
      p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally, no lock release
      p.waitFor();
    }
    String at = why + ", kills after " + delays + " ms of an unkilled run's " + lifetimeMs + " ms";
    System.out.println("CompactChaosIT: " + at + "; " + killedAlive + " hit a running compaction");
    Map<Hour, long[]> killed = counts();
    assertThat(killed.get(H09)[0]).as("hour 9 rows, " + at).isIn((long) N, (long) N + N / 2);
    assertThat(killed.get(H10)[0]).as("hour 10 rows, " + at).isIn((long) N, (long) N + N / 2);
    if (killed.containsKey(H11)) assertThat(killed.get(H11)[0]).as("hour 11 rows, " + at).isEqualTo(N / 2);
    killed.forEach((h, c) -> assertThat(c[1]).as("distinct coordinates of %s, %s", h, at).isEqualTo(c[0]));
    assertThat(killedAlive).as("kills that hit a running compaction, " + at).isPositive();

    assertThat(kaminari("compact", "--hour", "2024-05-01T11").exit()).as(why).isZero();
    Map<Hour, long[]> done = counts();
    assertThat(done).as(why).containsOnlyKeys(H09, H10, H11);
    assertThat(done.get(H09)).as(why).containsExactly(N + N / 2, N + N / 2);
    assertThat(done.get(H10)).as(why).containsExactly(N + N / 2, N + N / 2);
    assertThat(done.get(H11)).as(why).containsExactly(N / 2, N / 2);
    KaminariJar.Run verify = kaminari("verify", "--from", "2024-05-01T10", "--to", "2024-05-01T12");
    assertThat(verify.exit()).as(verify.shown()).isZero();
  }

  /**
   * Per listed partition of {@code flows}: rows and distinct source coordinates, through one {@code kaminari sql} run
   * (the counts' CSV, then the partitions'); a listed partition without rows counts {0, 0}.
   */
  private Map<Hour, long[]> counts() throws Exception {
    String coordinates = String.join(", ", Columns.SOURCE, Columns.SOURCE_PARTITION, Columns.SOURCE_OFFSET,
        Columns.SOURCE_INDEX);
    KaminariJar.Run run = kaminari("sql", "--format", "csv", "-e", "SELECT " + Columns.DT + ", " + Columns.HOUR
        + ", count(*), count(DISTINCT " + coordinates + ") FROM " + Warehouse.FLOWS + " GROUP BY 1, 2;\n"
        + "SHOW PARTITIONS " + Warehouse.FLOWS + ";");
    assertThat(run.exit()).as(run.shown()).isZero();
    Map<Hour, long[]> out = new TreeMap<>();
    for (String line : run.stdout()) {
      if (line.startsWith("dt=")) out.putIfAbsent(Hour.ofPartition(line), new long[2]);
    }
    for (String line : run.stdout()) {
      if (line.isEmpty() || !Character.isDigit(line.charAt(0))) continue; // the headers and the partitions
      String[] c = line.split(",");
      out.put(Hour.of(c[0], Integer.parseInt(c[1])), new long[] {Long.parseLong(c[2]), Long.parseLong(c[3])});
    }
    return out;
  }
}
